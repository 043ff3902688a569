// apool: the thin layer between the kernels and xsimd.
//
// Every difference between the xsimd versions apool supports (8.1 through 14.x)
// lives in this header; the kernels use only what is declared here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include <xsimd/xsimd.hpp>

namespace apool {
namespace simd {

/// The widest vector of T that the compile flags enable (SSE2 by default on
/// x86-64, AVX-512 under -march=native on such a machine).
template <class T>
using batch = xsimd::batch<T>;

template <class T>
using mask = typename batch<T>::batch_bool_type;

template <class T>
constexpr std::ptrdiff_t lanes = static_cast<std::ptrdiff_t>(batch<T>::size);

template <class T>
inline batch<T> load(const T* source) noexcept {
    return batch<T>::load_unaligned(source);
}

template <class T>
inline void store(T* destination, const batch<T>& value) noexcept {
    value.store_unaligned(destination);
}

template <class T>
inline batch<T> broadcast(T value) noexcept {
    return batch<T>(value);
}

template <class T>
inline batch<T> select(const mask<T>& condition, const batch<T>& if_true, const batch<T>& if_false) noexcept {
    return xsimd::select(condition, if_true, if_false);
}

/// Sum of the lanes. xsimd 8 calls it hadd; 9 and later, reduce_add.
template <class T>
inline T reduce_add(const batch<T>& value) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_add(value);
#else
    return xsimd::hadd(value);
#endif
}

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
