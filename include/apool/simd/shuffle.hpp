// apool: lanes moved within a vector (permute, of one vector or a pair, fixed
// swaps and blends, the first lane, a store of the first lanes) and masks read
// as integer bits. All but first_lane and lowest_set_bit exist only where
// has_lane_permute<T>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "batch.hpp"
#include "compat.hpp"
#include "integer_lanes.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>  // _BitScanForward
#endif

namespace apool {
namespace simd {

/// Whether permute, store_first and lane_bits exist for T: one instruction each
/// on AVX-512 (float and double) and AVX2 (float).
template <class T>
constexpr bool has_lane_permute =
#if defined(__AVX512F__)
    (std::is_same<T, float>::value || std::is_same<T, double>::value) && lanes<T> * sizeof(T) == 64;
#elif defined(__AVX2__)
    std::is_same<T, float>::value && lanes<T> * sizeof(T) == 32;
#else
    false;
#endif

/// Lane i of the result is lane from[i] of value (from's lanes must lie in
/// 0 .. lanes<T> - 1). Bits move unchanged.
template <class T>
inline batch<T> permute(const batch<T>& value, const integer_batch<T>& from) noexcept {
    static_assert(has_lane_permute<T>, "simd::permute: only where has_lane_permute<T> is true");
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value) {
        return _mm512_maskz_permutexvar_ps(all_lanes_16, from, value);
    } else {
        return _mm512_maskz_permutexvar_pd(all_lanes_8, from, value);
    }
#elif defined(__AVX2__)
    return _mm256_permutevar8x32_ps(value, from);
#else
    static_cast<void>(from);
    return value;  // not reached: the static_assert rejects every use here
#endif
}

/// Lane i of the result is lane from[i] of the 2 * lanes<T> lanes of `low`
/// then `high` (from's lanes in 0 .. 2 * lanes<T> - 1). Bits move unchanged.
template <class T>
inline batch<T> permute_pair(const batch<T>& low, const batch<T>& high, const integer_batch<T>& from) noexcept {
    static_assert(has_lane_permute<T>, "simd::permute_pair: only where has_lane_permute<T> is true");
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value) {
        return _mm512_permutex2var_ps(low, from, high);
    } else {
        return _mm512_permutex2var_pd(low, from, high);
    }
#elif defined(__AVX2__)
    // Bit 3 of a lane number picks `high`: shifted into the sign bit, it drives the blend.
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(low, from), _mm256_permutevar8x32_ps(high, from),
                            _mm256_castsi256_ps(_mm256_slli_epi32(from, 28)));
#else
    static_cast<void>(high);
    static_cast<void>(from);
    return low;  // not reached: the static_assert rejects every use here
#endif
}

/// permute for the integer lanes beside T's (the indices of a max).
template <class T>
inline integer_batch<T> permute_integer(const integer_batch<T>& value, const integer_batch<T>& from) noexcept {
    return value_bits_as_integers<T>(permute<T>(integer_bits_as_values<T>(value), from));
}

/// permute_pair for the integer lanes beside T's (the indices of a max).
template <class T>
inline integer_batch<T> permute_integer_pair(const integer_batch<T>& low, const integer_batch<T>& high,
                                             const integer_batch<T>& from) noexcept {
    return value_bits_as_integers<T>(permute_pair<T>(integer_bits_as_values<T>(low), integer_bits_as_values<T>(high), from));
}

/// Lane i of the result is lane i ^ Distance of `value` (Distance a power of
/// two below lanes<T>): fixed shuffles, of lower latency than permute's.
template <std::ptrdiff_t Distance, class T>
inline batch<T> swap_lanes(const batch<T>& value) noexcept {
    static_assert(has_lane_permute<T>, "simd::swap_lanes: only where has_lane_permute<T> is true");
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value) {
        if constexpr (Distance == 8) return _mm512_maskz_shuffle_f32x4(all_lanes_16, value, value, 0x4e);
        if constexpr (Distance == 4) return _mm512_maskz_shuffle_f32x4(all_lanes_16, value, value, 0xb1);
        if constexpr (Distance == 2) return _mm512_maskz_permute_ps(all_lanes_16, value, 0x4e);
        return _mm512_maskz_permute_ps(all_lanes_16, value, 0xb1);
    } else {
        if constexpr (Distance == 4) return _mm512_maskz_shuffle_f64x2(all_lanes_8, value, value, 0x4e);
        if constexpr (Distance == 2) return _mm512_maskz_shuffle_f64x2(all_lanes_8, value, value, 0xb1);
        return _mm512_maskz_permute_pd(all_lanes_8, value, 0x55);
    }
#elif defined(__AVX2__)
    if constexpr (Distance == 4) return _mm256_permute2f128_ps(value, value, 1);
    if constexpr (Distance == 2) return _mm256_permute_ps(value, 0x4e);
    return _mm256_permute_ps(value, 0xb1);
#else
    return value;  // not reached: the static_assert rejects every use here
#endif
}

/// Lanes whose number has bit Distance set from `high`, the others from `low`.
template <std::ptrdiff_t Distance, class T>
inline batch<T> blend_lanes(const batch<T>& low, const batch<T>& high) noexcept {
    static_assert(has_lane_permute<T>, "simd::blend_lanes: only where has_lane_permute<T> is true");
    constexpr unsigned pattern = Distance == 1 ? 0xAAAAu : Distance == 2 ? 0xCCCCu : Distance == 4 ? 0xF0F0u : 0xFF00u;
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value) {
        return _mm512_mask_blend_ps(static_cast<__mmask16>(pattern), low, high);
    } else {
        return _mm512_mask_blend_pd(static_cast<__mmask8>(pattern & 0xFFu), low, high);
    }
#elif defined(__AVX2__)
    return _mm256_blend_ps(low, high, static_cast<int>(pattern & 0xFFu));
#else
    static_cast<void>(pattern);
    static_cast<void>(high);
    return low;  // not reached: the static_assert rejects every use here
#endif
}

/// Lane 0.
template <class T>
inline T first_lane(const batch<T>& value) noexcept {
#if defined(__AVX512F__)
    if constexpr (has_lane_permute<T>) {
        if constexpr (std::is_same<T, float>::value) return _mm512_cvtss_f32(value);
        else return _mm512_cvtsd_f64(value);
    }
#elif defined(__AVX2__)
    if constexpr (has_lane_permute<T>) return _mm256_cvtss_f32(value);
#endif
    alignas(64) T lane_values[lanes<T>];
    value.store_aligned(lane_values);
    return lane_values[0];
}

/// Stores the first `count` (0 to lanes<T>) lanes; memory past them is not touched.
template <class T>
inline void store_first(T* destination, const batch<T>& value, std::ptrdiff_t count) noexcept {
    static_assert(has_lane_permute<T>, "simd::store_first: only where has_lane_permute<T> is true");
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value) {
        _mm512_mask_storeu_ps(destination, static_cast<__mmask16>((1u << count) - 1u), value);
    } else {
        _mm512_mask_storeu_pd(destination, static_cast<__mmask8>((1u << count) - 1u), value);
    }
#elif defined(__AVX2__)
    const __m256i wanted = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(destination, wanted, value);
#else
    static_cast<void>(destination);
    static_cast<void>(value);
    static_cast<void>(count);  // not reached: the static_assert rejects every use here
#endif
}

/// Stores the first `count` (0 to lanes<T>) integer lanes beside T's (a max's
/// indices) as I, std::int32_t or std::int64_t, each converted; memory past
/// them is not touched.
template <class T, class I>
inline void store_first_as(I* destination, const integer_batch<T>& lanes, std::ptrdiff_t count) noexcept {
    static_assert(has_lane_permute<T>, "simd::store_first_as: only where has_lane_permute<T> is true");
    static_assert(std::is_same<I, std::int32_t>::value || std::is_same<I, std::int64_t>::value,
                  "simd::store_first_as: indices are std::int32_t or std::int64_t");
    const auto bits = static_cast<std::uint32_t>((std::uint64_t(1) << count) - 1u);
#if defined(__AVX512F__)
    const __m512i value = lanes;
    if constexpr (sizeof(lane_integer_t<T>) == sizeof(I)) {
        if constexpr (sizeof(I) == 4) {
            _mm512_mask_storeu_epi32(destination, static_cast<__mmask16>(bits), value);
        } else {
            _mm512_mask_storeu_epi64(destination, static_cast<__mmask8>(bits), value);
        }
    } else if constexpr (sizeof(I) == 8) {
        // The zero-masking forms: GCC 12 warns of the plain ones' undefined source.
        _mm512_mask_storeu_epi64(destination, static_cast<__mmask8>(bits),
                                 _mm512_maskz_cvtepi32_epi64(all_lanes_8, _mm512_maskz_extracti64x4_epi64(all_lanes_8, value, 0)));
        _mm512_mask_storeu_epi64(destination + 8, static_cast<__mmask8>(bits >> 8),
                                 _mm512_maskz_cvtepi32_epi64(all_lanes_8, _mm512_maskz_extracti64x4_epi64(all_lanes_8, value, 1)));
    } else {
        _mm256_mask_storeu_epi32(destination, static_cast<__mmask8>(bits), _mm512_maskz_cvtepi64_epi32(all_lanes_8, value));
    }
#elif defined(__AVX2__)
    const __m256i value = lanes;
    const __m256i index_of_lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    if constexpr (sizeof(I) == 4) {
        _mm256_maskstore_epi32(reinterpret_cast<int*>(destination), _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), index_of_lane),
                               value);
    } else {
        const __m256i wanted = _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
        const __m256i wanted_high = _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(4, 5, 6, 7));
        _mm256_maskstore_epi64(reinterpret_cast<long long*>(destination), wanted, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(value)));
        _mm256_maskstore_epi64(reinterpret_cast<long long*>(destination + 4), wanted_high,
                               _mm256_cvtepi32_epi64(_mm256_extracti128_si256(value, 1)));
    }
    static_cast<void>(bits);
#else
    static_cast<void>(destination);
    static_cast<void>(lanes);
    static_cast<void>(bits);  // not reached: the static_assert rejects every use here
#endif
}

/// The lanes of a mask as the low bits of an integer, lane 0 lowest.
template <class T>
inline std::uint32_t lane_bits(const mask<T>& condition) noexcept {
    static_assert(has_lane_permute<T>, "simd::lane_bits: only where has_lane_permute<T> is true");
#if defined(__AVX512F__)
    return static_cast<std::uint32_t>(static_cast<typename mask<T>::register_type>(condition));
#elif defined(__AVX2__)
    return static_cast<std::uint32_t>(_mm256_movemask_ps(condition));
#else
    static_cast<void>(condition);
    return 0;  // not reached: the static_assert rejects every use here
#endif
}

/// The number of the lowest set bit of a non-zero `bits`.
inline std::ptrdiff_t lowest_set_bit(std::uint32_t bits) noexcept {
#if defined(_MSC_VER) && !defined(__clang__)
    unsigned long position = 0;
    _BitScanForward(&position, bits);
    return static_cast<std::ptrdiff_t>(position);
#else
    return __builtin_ctz(bits);
#endif
}

}  // namespace simd
}  // namespace apool
