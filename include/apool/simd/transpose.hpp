// apool: the transpose of a lanes<T> x lanes<T> block, with which the tiled
// kernels turn lanes<T> small planes into a tile with one plane per lane and
// back (and 16-bit planes into a float tile, widened as they load).
#pragma once

#include <cstddef>
#include <type_traits>

#include "compat.hpp"
#include "widen.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace apool {
namespace simd {

namespace transpose_detail {

template <class T>
inline void transpose_scalar(const T* const* rows, T* const* columns) noexcept {
    constexpr std::ptrdiff_t size = lanes<T>;
    for (std::ptrdiff_t row = 0; row < size; ++row) {
        for (std::ptrdiff_t column = 0; column < size; ++column) columns[column][row] = rows[row][column];
    }
}

#if defined(__AVX512F__)
// The intrinsic transposes move lanes of any 4-byte type (float, or the int32
// indices beside float values) through float registers: bits move unchanged,
// and the intrinsics' loads and stores may alias any type.

// Four rounds of full-width interleaves (row i with row i + 8) transpose the
// block. Two-source permutes, not unpack/shuffle: GCC 12's headers implement
// those with _mm512_undefined_ps(), which -Wuninitialized reports at callers.
// `load_row(k)` gives row k as a float register (its bits, or its elements
// widened to float).
template <class U, class LoadRow>
inline void transpose_16x16(const LoadRow& load_row, U* const* columns) noexcept {
    const __m512i interleave_low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i interleave_high = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    __m512 a[16], b[16];
    for (int k = 0; k < 16; ++k) a[k] = load_row(k);
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 8; ++i) {
            b[2 * i] = _mm512_permutex2var_ps(a[i], interleave_low, a[i + 8]);
            b[2 * i + 1] = _mm512_permutex2var_ps(a[i], interleave_high, a[i + 8]);
        }
        for (int i = 0; i < 8; ++i) {
            a[2 * i] = _mm512_permutex2var_ps(b[i], interleave_low, b[i + 8]);
            a[2 * i + 1] = _mm512_permutex2var_ps(b[i], interleave_high, b[i + 8]);
        }
    }
    for (int k = 0; k < 16; ++k) _mm512_storeu_ps(reinterpret_cast<float*>(columns[k]), a[k]);
}
#endif

#if defined(__AVX__)
template <class U, class LoadRow>
inline void transpose_8x8(const LoadRow& load_row, U* const* columns) noexcept {
    __m256 r[8], t[8];
    for (int k = 0; k < 8; ++k) r[k] = load_row(k);
    for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
    }
    for (int g = 0; g < 8; g += 4) {
        r[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
        r[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xEE);
        r[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        r[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {
        _mm256_storeu_ps(reinterpret_cast<float*>(columns[c]), _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
        _mm256_storeu_ps(reinterpret_cast<float*>(columns[4 + c]), _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
    }
}
#endif

#if defined(__SSE2__) || defined(_M_X64)
template <class U, class LoadRow>
inline void transpose_4x4(const LoadRow& load_row, U* const* columns) noexcept {
    __m128 r0 = load_row(0), r1 = load_row(1), r2 = load_row(2), r3 = load_row(3);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(reinterpret_cast<float*>(columns[0]), r0);
    _mm_storeu_ps(reinterpret_cast<float*>(columns[1]), r1);
    _mm_storeu_ps(reinterpret_cast<float*>(columns[2]), r2);
    _mm_storeu_ps(reinterpret_cast<float*>(columns[3]), r3);
}
#endif

}  // namespace transpose_detail

/// Transposes a lanes<T> x lanes<T> block: row r is the lanes<T> contiguous
/// elements at rows[r], and column c is written to the lanes<T> contiguous
/// elements at columns[c]. Moves bits only (no arithmetic). Intrinsics for
/// 4-byte lanes where the target has them for this vector width; element by
/// element elsewhere.
template <class T>
inline void transpose_block(const T* const* rows, T* const* columns) noexcept {
#if defined(__AVX512F__)
    if constexpr (sizeof(T) == 4 && lanes<T> == 16) {
        transpose_detail::transpose_16x16([&](int k) { return _mm512_loadu_ps(reinterpret_cast<const float*>(rows[k])); }, columns);
        return;
    }
#endif
#if defined(__AVX__)
    if constexpr (sizeof(T) == 4 && lanes<T> == 8) {
        transpose_detail::transpose_8x8([&](int k) { return _mm256_loadu_ps(reinterpret_cast<const float*>(rows[k])); }, columns);
        return;
    }
#endif
#if defined(__SSE2__) || defined(_M_X64)
    if constexpr (sizeof(T) == 4 && lanes<T> == 4) {
        transpose_detail::transpose_4x4([&](int k) { return _mm_loadu_ps(reinterpret_cast<const float*>(rows[k])); }, columns);
        return;
    }
#endif
    transpose_detail::transpose_scalar(rows, columns);
}

/// transpose_block from rows of 16-bit floats into float columns: each row's
/// lanes<float> elements widen to float as they load (load_widened).
template <class Element>
inline void transpose_block_widened(const Element* const* rows, float* const* columns) noexcept {
    constexpr std::ptrdiff_t width = lanes<float>;
#if defined(__AVX512F__)
    if constexpr (width == 16) {
        transpose_detail::transpose_16x16([&](int k) -> __m512 { return load_widened(rows[k]); }, columns);
        return;
    }
#endif
#if defined(__AVX__)
    if constexpr (width == 8) {
        transpose_detail::transpose_8x8([&](int k) -> __m256 { return load_widened(rows[k]); }, columns);
        return;
    }
#endif
#if defined(__SSE2__) || defined(_M_X64)
    if constexpr (width == 4) {
        transpose_detail::transpose_4x4([&](int k) -> __m128 { return load_widened(rows[k]); }, columns);
        return;
    }
#endif
    for (std::ptrdiff_t row = 0; row < width; ++row) {
        for (std::ptrdiff_t column = 0; column < width; ++column) columns[column][row] = detail::widen<float>(rows[row][column]);
    }
}

}  // namespace simd
}  // namespace apool
