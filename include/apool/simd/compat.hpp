// apool: the vector types apool takes from xsimd, and the calls whose name or
// behaviour differs between the xsimd versions apool supports (8.1 through
// 14.x). Every xsimd version check lives here; the other simd/ headers use
// what this one declares and parts of xsimd that all those versions share.
#pragma once

#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#if defined(__AVX512BW__)
#include <immintrin.h>
#endif

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

/// Lanes that hold NaN. Not `x != x`: xsimd 8.1 compares AVX-512 vectors for
/// != with _CMP_NEQ_OQ, which is false for NaN (later versions use _CMP_NEQ_UQ).
template <class T>
inline mask<T> is_nan(const batch<T>& value) noexcept {
    return xsimd::isnan(value);
}

/// Sum of the lanes. xsimd 8 calls it hadd; 9 and later, reduce_add.
template <class T>
inline T reduce_add(const batch<T>& value) noexcept {
#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
    // xsimd's AVX-512 double reduction calls _mm512_extractf64x4_pd, which GCC 12
    // implements with _mm512_undefined_pd() and then reports under -Wuninitialized.
    if constexpr (std::is_same<T, double>::value) {
        alignas(64) double lane_values[lanes<double>];
        value.store_aligned(lane_values);
        double sum = 0.0;
        for (double lane : lane_values) sum += lane;
        return sum;
    } else
#endif
    {
#if XSIMD_VERSION_MAJOR >= 9
        return xsimd::reduce_add(value);
#else
        return xsimd::hadd(value);
#endif
    }
}

/// `if_true` in the lanes where `condition` holds, else `if_false`, for
/// integer lanes. xsimd 8's AVX-512BW select casts every lane width's operands
/// in one switch, which GCC rejects without optimization (its 8- and 16-bit
/// blends are macros at -O0); the 32- and 64-bit blends are called here.
template <class I>
inline batch<I> select_integers(const mask<I>& condition, const batch<I>& if_true, const batch<I>& if_false) noexcept {
    static_assert(std::is_integral<I>::value, "select_integers takes integer lanes; use simd::select for floating lanes");
#if XSIMD_VERSION_MAJOR < 9 && defined(__AVX512BW__)
    if constexpr (sizeof(I) == 4) {
        return _mm512_mask_blend_epi32(condition, if_false, if_true);
    } else if constexpr (sizeof(I) == 8) {
        return _mm512_mask_blend_epi64(condition, if_false, if_true);
    } else
#endif
    {
        return xsimd::select(condition, if_true, if_false);
    }
}

}  // namespace simd
}  // namespace apool
