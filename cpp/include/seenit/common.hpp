// Shared vocabulary of the native core: integer aliases, a non-owning array view,
// and the one macro used for input checks. No Python in here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>

namespace seenit {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;
using i32 = std::int32_t;
using i64 = std::int64_t;

// A pointer and a length: how big arrays cross from the bindings into the core
// without copies. The caller owns the memory and keeps it alive.
template <class T>
struct ArrayView {
    T* data = nullptr;
    std::size_t size = 0;

    T& operator[](std::size_t i) const { return data[i]; }
    T* begin() const { return data; }
    T* end() const { return data + size; }
    bool empty() const { return size == 0; }
};

// A row-major matrix view (rows x cols, contiguous).
template <class T>
struct MatrixView {
    T* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;

    T* row(std::size_t r) const { return data + r * cols; }
};

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
    std::ostringstream os;
    (os << ... << args);
    return os.str();
}
}  // namespace detail

}  // namespace seenit

// SEENIT_CHECK(cond, ExceptionType, message parts...): throw with a readable
// message when cond is false. pybind11 maps std::invalid_argument to ValueError.
#define SEENIT_CHECK(cond, Exc, ...)                                  \
    do {                                                              \
        if (!(cond)) throw Exc(::seenit::detail::concat(__VA_ARGS__)); \
    } while (0)
