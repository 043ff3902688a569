// apool: converting 16-bit floats or bytes to float: a vector of float lanes
// loaded from them (for the kernels that widen as they read), and a contiguous
// run into float memory (for the staged kernels); vector instructions where
// the target has them (AVX-512F; AVX2, and F16C for float16; SSE2 for
// bfloat16), else lane by lane. Exact for every value; a signaling
// float16 NaN arrives quiet (the conversion instruction sets the quiet bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif

#if defined(__F16C__)
#define APOOL_DETAIL_HAS_F16C 1
#else
#define APOOL_DETAIL_HAS_F16C 0
#endif

#include "../detail/element_types.hpp"
#include "batch.hpp"
#include "compat.hpp"

namespace apool {
namespace simd {

/// Whether load_widened converts a vector of T with vector instructions on
/// this target (else it converts lane by lane).
template <class T>
constexpr bool widens_in_vectors =
#if defined(__AVX512F__)
    true;
#elif defined(__AVX2__)
    !std::is_same<T, float16>::value || APOOL_DETAIL_HAS_F16C;
#elif (defined(__SSE2__) || defined(_M_X64)) && !defined(__AVX__)
    std::is_same<T, bfloat16>::value;
#else
    false;
#endif

/// The lanes<float> elements from `src` as a float vector, exactly.
template <class T>
inline batch<float> load_widened(const T* src) noexcept {
    static_assert(detail::is_half_precision<T> || detail::is_byte_integer<T>, "load_widened takes 16-bit floats and bytes");
    constexpr std::ptrdiff_t width = lanes<float>;
    if constexpr (widens_in_vectors<T>) {
#if defined(__AVX512F__)
        static_assert(width == 16, "AVX-512 float vectors hold 16 lanes");
        // The 16-bit types' storage is their bits (standard layout, one
        // uint16_t member). The zero-masked forms with every lane kept are the
        // same instructions; GCC 12 builds the plain forms on
        // _mm512_undefined_*() and then warns that it may be used uninitialized.
        constexpr __mmask16 all = 0xFFFF;
        if constexpr (std::is_same<T, bfloat16>::value) {
            const __m512i bits = _mm512_maskz_cvtepu16_epi32(all, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
            return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, bits, 16));
        } else if constexpr (std::is_same<T, float16>::value) {
            return _mm512_maskz_cvtph_ps(all, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
        } else if constexpr (std::is_same<T, std::uint8_t>::value) {
            return _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepu8_epi32(all, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src))));
        } else {
            return _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepi8_epi32(all, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src))));
        }
#elif defined(__AVX2__)
        static_assert(width == 8, "AVX2 float vectors hold 8 lanes");
        if constexpr (std::is_same<T, bfloat16>::value) {
            const __m256i bits = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
            return _mm256_castsi256_ps(_mm256_slli_epi32(bits, 16));
        } else if constexpr (std::is_same<T, float16>::value) {
#if APOOL_DETAIL_HAS_F16C
            return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
#endif
        } else if constexpr (std::is_same<T, std::uint8_t>::value) {
            return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src))));
        } else {
            return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src))));
        }
#elif (defined(__SSE2__) || defined(_M_X64)) && !defined(__AVX__)
        // bfloat16 is the top half of a float: each 16-bit lane moves up.
        const __m128i bits = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src));
        return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), bits));
#endif
    } else {
        alignas(64) float values[width];
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) values[lane] = detail::widen<float>(src[lane]);
        return batch<float>::load_aligned(values);
    }
}

/// A vector of Accumulator lanes from `src`: loaded as it is where the
/// element is Accumulator, else widened.
template <class Accumulator, class T>
inline batch<Accumulator> load_as(const T* src) noexcept {
    if constexpr (std::is_same<T, Accumulator>::value) {
        return load(src);
    } else {
        static_assert(std::is_same<Accumulator, float>::value, "narrower elements widen to float lanes");
        return load_widened(src);
    }
}

/// Stores the lanes<float> lanes of `values` from `dst` as T, each rounded
/// once as detail::round_from_float rounds it: a 16-bit float as T(float)
/// rounds (to nearest, ties to even, a NaN as T's quiet NaN); a byte to the
/// nearest integer, ties to even (the lanes hold byte values or averages of
/// them). Vector code on AVX-512F and AVX2 (F16C for float16), else lane by
/// lane.
template <class T>
inline void store_narrowed(T* dst, const batch<float>& values) noexcept {
    static_assert(detail::is_half_precision<T> || detail::is_byte_integer<T>, "store_narrowed rounds float lanes to 16-bit floats and bytes");
    constexpr std::ptrdiff_t width = lanes<float>;
#if defined(__AVX512F__)
    // The zero-masked forms with every lane kept: see load_widened.
    constexpr __mmask16 all = 0xFFFF;
    const __m512 v = values;
    if constexpr (detail::is_byte_integer<T>) {
        // Rounded as the instruction is told (whatever the rounding mode), then the low bytes.
        const __m512i rounded = _mm512_maskz_cvt_roundps_epi32(all, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_maskz_cvtepi32_epi8(all, rounded));
        return;
    } else if constexpr (std::is_same<T, bfloat16>::value) {
        // bfloat16(float)'s integer rounding on every lane.
        const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __m512i bits = _mm512_castps_si512(v);
        const __m512i odd = _mm512_and_si512(_mm512_maskz_srli_epi32(all, bits, 16), _mm512_set1_epi32(1));
        const __m512i rounded = _mm512_maskz_srli_epi32(all, _mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7FFF)), odd), 16);
        const __m512i result = _mm512_mask_mov_epi32(rounded, nan, _mm512_set1_epi32(0x7FC0));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_maskz_cvtepi32_epi16(all, result));
        return;
    } else {
        // The conversion instruction rounds as float16(float) does but keeps a
        // NaN's payload: a vector with a NaN is rounded lane by lane.
        if (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) == 0) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm512_maskz_cvtps_ph(all, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            return;
        }
    }
#elif defined(__AVX2__)
    const __m256 v = values;
    if constexpr (detail::is_byte_integer<T>) {
        // Rounded to integers as the instruction is told, then converted exactly.
        alignas(32) std::int32_t integers[width];
        _mm256_store_si256(reinterpret_cast<__m256i*>(integers), _mm256_cvttps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) dst[lane] = static_cast<T>(integers[lane]);
        return;
    } else if constexpr (std::is_same<T, bfloat16>::value) {
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m256i bits = _mm256_castps_si256(v);
        const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
        const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(bits, _mm256_set1_epi32(0x7FFF)), odd), 16);
        const __m256i result = _mm256_blendv_epi8(rounded, _mm256_set1_epi32(0x7FC0), _mm256_castps_si256(nan));
        // Packed within each 128-bit half; the two low quarters hold the eight results.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(result, result), 0x08);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm256_castsi256_si128(packed));
        return;
    } else {
#if APOOL_DETAIL_HAS_F16C
        if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) == 0) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
            return;
        }
#endif
    }
#endif
    alignas(64) float lane_values[width];
    store(lane_values, values);
    for (std::ptrdiff_t lane = 0; lane < width; ++lane) dst[lane] = detail::round_from_float<T>(lane_values[lane]);
}

/// dst[i] = float(src[i]) for i in [0, count).
template <class T>
inline void widen_to_float(const T* src, float* dst, std::ptrdiff_t count) noexcept {
    constexpr std::ptrdiff_t width = lanes<float>;
    std::ptrdiff_t i = 0;
    if constexpr (widens_in_vectors<T>) {
        for (; i + width <= count; i += width) store(dst + i, load_widened(src + i));
    }
    for (; i < count; ++i) dst[i] = detail::widen<float>(src[i]);
}

}  // namespace simd
}  // namespace apool
