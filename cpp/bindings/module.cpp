// The seenit._core extension: registers each area's bindings (cpp/bindings/bind_<area>.cpp).
// No algorithms here.
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace seenit::bind {
void bind_runtime(py::module_& m);
void bind_sketch(py::module_& m);
void bind_ngram(py::module_& m);
void bind_search(py::module_& m);
void bind_logprob(py::module_& m);
}  // namespace seenit::bind

PYBIND11_MODULE(_core, m, py::mod_gil_not_used()) {
    m.doc() = "seenit native core (C++): kernels release the GIL and use all cores.";
#ifdef SEENIT_VERSION
    m.attr("__version__") = SEENIT_VERSION;
#endif
    seenit::bind::bind_runtime(m);
    seenit::bind::bind_sketch(m);
    seenit::bind::bind_ngram(m);
    seenit::bind::bind_search(m);
    seenit::bind::bind_logprob(m);
}
