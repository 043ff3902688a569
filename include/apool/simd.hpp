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

#if defined(__SSE2__) || defined(_M_X64)
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

/// Lanes that hold NaN. Not `x != x`: xsimd 8.1 compares AVX-512 vectors for
/// != with _CMP_NEQ_OQ, which is false for NaN (later versions use _CMP_NEQ_UQ).
template <class T>
inline mask<T> is_nan(const batch<T>& value) noexcept {
    return xsimd::isnan(value);
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

namespace transpose_detail {

template <class T>
inline void transpose_scalar(const T* const* rows, T* destination) noexcept {
    constexpr std::ptrdiff_t size = lanes<T>;
    for (std::ptrdiff_t row = 0; row < size; ++row) {
        for (std::ptrdiff_t column = 0; column < size; ++column) destination[column * size + row] = rows[row][column];
    }
}

#if defined(__AVX512F__)
inline void transpose_16x16(const float* const* rows, float* destination) noexcept {
    __m512 r[16], t[16];
    for (int k = 0; k < 16; ++k) r[k] = _mm512_loadu_ps(rows[k]);
    for (int k = 0; k < 16; k += 2) {
        t[k] = _mm512_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm512_unpackhi_ps(r[k], r[k + 1]);
    }
    // r[4g + c]: column 4L + c of rows 4g..4g+3 in 128-bit block L.
    for (int g = 0; g < 16; g += 4) {
        r[g] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        r[g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g]), _mm512_castps_pd(t[g + 2])));
        r[g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
        r[g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[g + 1]), _mm512_castps_pd(t[g + 3])));
    }
    for (int c = 0; c < 4; ++c) {
        const __m512 low_pairs_a = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44);
        const __m512 high_pairs_a = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xEE);
        const __m512 low_pairs_b = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44);
        const __m512 high_pairs_b = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xEE);
        _mm512_storeu_ps(destination + 16 * c, _mm512_shuffle_f32x4(low_pairs_a, low_pairs_b, 0x88));
        _mm512_storeu_ps(destination + 16 * (4 + c), _mm512_shuffle_f32x4(low_pairs_a, low_pairs_b, 0xDD));
        _mm512_storeu_ps(destination + 16 * (8 + c), _mm512_shuffle_f32x4(high_pairs_a, high_pairs_b, 0x88));
        _mm512_storeu_ps(destination + 16 * (12 + c), _mm512_shuffle_f32x4(high_pairs_a, high_pairs_b, 0xDD));
    }
}
#endif

#if defined(__AVX__)
inline void transpose_8x8(const float* const* rows, float* destination) noexcept {
    __m256 r[8], t[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(rows[k]);
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
        _mm256_storeu_ps(destination + 8 * c, _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
        _mm256_storeu_ps(destination + 8 * (4 + c), _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
    }
}
#endif

#if defined(__SSE2__) || defined(_M_X64)
inline void transpose_4x4(const float* const* rows, float* destination) noexcept {
    __m128 r0 = _mm_loadu_ps(rows[0]), r1 = _mm_loadu_ps(rows[1]), r2 = _mm_loadu_ps(rows[2]), r3 = _mm_loadu_ps(rows[3]);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(destination, r0);
    _mm_storeu_ps(destination + 4, r1);
    _mm_storeu_ps(destination + 8, r2);
    _mm_storeu_ps(destination + 12, r3);
}
#endif

}  // namespace transpose_detail

/// Transposes a lanes<T> x lanes<T> block: row r is the lanes<T> contiguous
/// elements at rows[r], and column c is written, contiguously, to
/// destination + c * lanes<T>. Intrinsics where the target has them for this
/// vector width; element by element elsewhere.
template <class T>
inline void transpose_block(const T* const* rows, T* destination) noexcept {
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 16) {
        transpose_detail::transpose_16x16(rows, destination);
        return;
    }
#endif
#if defined(__AVX__)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 8) {
        transpose_detail::transpose_8x8(rows, destination);
        return;
    }
#endif
#if defined(__SSE2__) || defined(_M_X64)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 4) {
        transpose_detail::transpose_4x4(rows, destination);
        return;
    }
#endif
    transpose_detail::transpose_scalar(rows, destination);
}

}  // namespace simd
}  // namespace apool
