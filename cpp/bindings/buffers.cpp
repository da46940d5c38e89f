#include "buffers.hpp"

namespace seenit::bind {

void check_offsets(ArrayView<const i64> offsets, std::size_t n_values, const char* name) {
    SEENIT_CHECK(offsets.size >= 1, std::invalid_argument, name, " must have at least one entry (n + 1 for n rows)");
    SEENIT_CHECK(offsets[0] == 0, std::invalid_argument, name, "[0] must be 0, got ", offsets[0]);
    for (std::size_t i = 1; i < offsets.size; ++i) {
        SEENIT_CHECK(offsets[i] >= offsets[i - 1], std::invalid_argument, name, " must be non-decreasing: ", name, "[", i,
                     "]=", offsets[i], " < ", name, "[", i - 1, "]=", offsets[i - 1]);
    }
    SEENIT_CHECK(static_cast<std::size_t>(offsets[offsets.size - 1]) == n_values, std::invalid_argument, name,
                 "[-1] must equal the number of values (", n_values, "), got ", offsets[offsets.size - 1]);
}

}  // namespace seenit::bind
