// apool: converting a contiguous run of 16-bit floats or bytes to float, a
// vector at a time where the target has the instructions (AVX-512F; AVX2, and
// F16C for float16), with a scalar tail. Exact for every value; a signaling
// float16 NaN arrives quiet (the conversion instruction sets the quiet bit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__F16C__)
#define APOOL_DETAIL_HAS_F16C 1
#else
#define APOOL_DETAIL_HAS_F16C 0
#endif

#include "../detail/element_types.hpp"

namespace apool {
namespace simd {

/// dst[i] = float(src[i]) for i in [0, count).
template <class T>
inline void widen_to_float(const T* src, float* dst, std::ptrdiff_t count) noexcept {
    std::ptrdiff_t i = 0;
#if defined(__AVX512F__)
    // The 16-bit types' storage is their bits (standard layout, one uint16_t
    // member). The zero-masked forms with every lane kept are the same
    // instructions; GCC 12 builds the plain forms on _mm512_undefined_*() and
    // then warns that it may be used uninitialized.
    constexpr __mmask16 all = 0xFFFF;
    for (; i + 16 <= count; i += 16) {
        __m512 values;
        if constexpr (std::is_same<T, bfloat16>::value) {
            const __m512i bits = _mm512_maskz_cvtepu16_epi32(all, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
            values = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, bits, 16));
        } else if constexpr (std::is_same<T, float16>::value) {
            values = _mm512_maskz_cvtph_ps(all, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
        } else if constexpr (std::is_same<T, std::uint8_t>::value) {
            values = _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepu8_epi32(all, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
        } else {
            values = _mm512_maskz_cvtepi32_ps(all, _mm512_maskz_cvtepi8_epi32(all, _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
        }
        _mm512_storeu_ps(dst + i, values);
    }
#elif defined(__AVX2__)
    constexpr bool vector = !std::is_same<T, float16>::value || APOOL_DETAIL_HAS_F16C;
    if constexpr (vector) {
        for (; i + 8 <= count; i += 8) {
            __m256 values;
            if constexpr (std::is_same<T, bfloat16>::value) {
                const __m256i bits = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
                values = _mm256_castsi256_ps(_mm256_slli_epi32(bits, 16));
            } else if constexpr (std::is_same<T, float16>::value) {
#if APOOL_DETAIL_HAS_F16C
                values = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
#endif
            } else if constexpr (std::is_same<T, std::uint8_t>::value) {
                values = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i))));
            } else {
                values = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i))));
            }
            _mm256_storeu_ps(dst + i, values);
        }
    }
#endif
    for (; i < count; ++i) dst[i] = detail::widen<float>(src[i]);
}

}  // namespace simd
}  // namespace apool
