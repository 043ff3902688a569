// apool: a max's index carried as the bits of a T lane, so that the index
// travels through the same vectors, selects and transposes as the value it
// belongs to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace apool {
namespace simd {

/// The integer whose bits an index is carried in, inside a vector of T lanes:
/// 32 bits for float, 64 for double. The kernels move these bits with select
/// only, never with arithmetic, so denormal flushing cannot touch them.
template <class T>
using index_bits_t = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;

template <class T>
inline T index_as_bits(std::ptrdiff_t index) noexcept {
    const auto narrow = static_cast<index_bits_t<T>>(index);
    T carrier;
    std::memcpy(&carrier, &narrow, sizeof(T));
    return carrier;
}

template <class T>
inline std::ptrdiff_t index_from_bits(T carrier) noexcept {
    index_bits_t<T> narrow;
    std::memcpy(&narrow, &carrier, sizeof(T));
    return static_cast<std::ptrdiff_t>(narrow);
}

}  // namespace simd
}  // namespace apool
