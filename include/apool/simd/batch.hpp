// apool: lane-wise operations on whole vectors: load, store, broadcast and
// select, the max's and min's lane rules, lane numbers and masks. Where xsimd's
// form compiles to more instructions than the rule needs, or warns under GCC
// 12, the x86 intrinsics for the vector width stand in for it.
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "compat.hpp"

#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace apool {
namespace simd {

/// Vector registers the compile flags give on x86-64 (32 with AVX-512, else
/// 16): how many running states a kernel can keep in registers.
constexpr std::ptrdiff_t vector_registers =
#if defined(__AVX512F__)
    32;
#else
    16;
#endif

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

#if defined(__AVX512F__)
// The zero-masking forms with every lane set, not the plain intrinsics: GCC
// 12's headers implement those with _mm512_undefined_*(), which -Wuninitialized
// reports at callers.
constexpr __mmask16 all_lanes_16 = 0xFFFF;
constexpr __mmask8 all_lanes_8 = 0xFF;
#endif

/// Lane-wise `b > a ? b : a` and `b < a ? b : a`: a lane holding a NaN or two
/// zeros keeps a's value. On x86 one instruction each: MAXPS/MINPS return their
/// first operand only when it is strictly larger (smaller), so swapping the
/// operands gives exactly this rule. The compare and blend used elsewhere is a
/// dependent pair, which a chain of maxima pays for at every step. Not
/// xsimd::max: GCC 12 implements _mm512_max_ps with _mm512_undefined_ps(),
/// which -Wmaybe-uninitialized reports at callers.
template <class T>
inline batch<T> max(const batch<T>& a, const batch<T>& b) noexcept {
    constexpr bool is_float = std::is_same<T, float>::value;
    constexpr std::size_t bytes = static_cast<std::size_t>(lanes<T>) * sizeof(T);
    if constexpr (is_float || std::is_same<T, double>::value) {
#if defined(__AVX512F__)
        if constexpr (bytes == 64) {
            if constexpr (is_float) return _mm512_maskz_max_ps(all_lanes_16, b, a);
            else return _mm512_maskz_max_pd(all_lanes_8, b, a);
        }
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32) {
            if constexpr (is_float) return _mm256_max_ps(b, a);
            else return _mm256_max_pd(b, a);
        }
#endif
#if defined(__SSE2__) || defined(_M_X64)
        if constexpr (bytes == 16) {
            if constexpr (is_float) return _mm_max_ps(b, a);
            else return _mm_max_pd(b, a);
        }
#endif
    }
    return xsimd::select(b > a, b, a);
}

template <class T>
inline batch<T> min(const batch<T>& a, const batch<T>& b) noexcept {
    constexpr bool is_float = std::is_same<T, float>::value;
    constexpr std::size_t bytes = static_cast<std::size_t>(lanes<T>) * sizeof(T);
    if constexpr (is_float || std::is_same<T, double>::value) {
#if defined(__AVX512F__)
        if constexpr (bytes == 64) {
            if constexpr (is_float) return _mm512_maskz_min_ps(all_lanes_16, b, a);
            else return _mm512_maskz_min_pd(all_lanes_8, b, a);
        }
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32) {
            if constexpr (is_float) return _mm256_min_ps(b, a);
            else return _mm256_min_pd(b, a);
        }
#endif
#if defined(__SSE2__) || defined(_M_X64)
        if constexpr (bytes == 16) {
            if constexpr (is_float) return _mm_min_ps(b, a);
            else return _mm_min_pd(b, a);
        }
#endif
    }
    return xsimd::select(b < a, b, a);
}

/// 0, 1, ..., lanes<T> - 1.
template <class T>
inline batch<T> lane_numbers() noexcept {
    alignas(64) T numbers[lanes<T>];
    for (std::ptrdiff_t lane = 0; lane < lanes<T>; ++lane) numbers[lane] = static_cast<T>(lane);
    return batch<T>::load_aligned(numbers);
}

/// All-one bits in the lanes from `first` on, zero bits below: `value & it`
/// keeps those lanes of value and zeroes the rest. An and rather than a select,
/// which GCC turns into a masked load when its operand is a load: slow on AMD
/// where the load crosses a cache line.
template <class T>
inline batch<T> lanes_from(std::ptrdiff_t first) noexcept {
    alignas(64) T bits[lanes<T>];
    for (std::ptrdiff_t lane = 0; lane < lanes<T>; ++lane) std::memset(&bits[lane], lane >= first ? 0xFF : 0, sizeof(T));
    return batch<T>::load_aligned(bits);
}

/// Lanes where `value` does not replace `current` under the max's scan-order
/// rule (a value replaces a strictly smaller one; a NaN replaces anything):
/// !(value > current || value is NaN), that is "value is ordered and not
/// greater (or current is NaN)". On AVX-512 an ordered test and a compare
/// masked by it, where the rule as written takes two compares and an `or`; on
/// AVX and SSE2 two compares and an `and`, where it takes a `not` as well. The
/// max's walk over a window does this once per vector it reads.
template <class T>
inline mask<T> keeps_current(const batch<T>& value, const batch<T>& current) noexcept {
    constexpr bool is_float = std::is_same<T, float>::value;
    constexpr std::size_t bytes = static_cast<std::size_t>(lanes<T>) * sizeof(T);
    if constexpr (is_float || std::is_same<T, double>::value) {
#if defined(__AVX512F__)
        if constexpr (bytes == 64) {
            if constexpr (is_float) return _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(value, value, _CMP_ORD_Q), value, current, _CMP_NGT_UQ);
            else return _mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(value, value, _CMP_ORD_Q), value, current, _CMP_NGT_UQ);
        }
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32) {
            if constexpr (is_float) return _mm256_and_ps(_mm256_cmp_ps(value, value, _CMP_ORD_Q), _mm256_cmp_ps(value, current, _CMP_NGT_UQ));
            else return _mm256_and_pd(_mm256_cmp_pd(value, value, _CMP_ORD_Q), _mm256_cmp_pd(value, current, _CMP_NGT_UQ));
        }
#endif
#if defined(__SSE2__) || defined(_M_X64)
        if constexpr (bytes == 16) {
            if constexpr (is_float) return _mm_and_ps(_mm_cmpord_ps(value, value), _mm_cmpngt_ps(value, current));
            else return _mm_and_pd(_mm_cmpord_pd(value, value), _mm_cmpngt_pd(value, current));
        }
#endif
    }
    return !((value > current) | is_nan(value));
}

/// Lanes where `a` or `b` holds NaN: one unordered compare on x86 where
/// is_nan of each takes two and an `or`.
template <class T>
inline mask<T> either_nan(const batch<T>& a, const batch<T>& b) noexcept {
    constexpr bool is_float = std::is_same<T, float>::value;
    constexpr std::size_t bytes = static_cast<std::size_t>(lanes<T>) * sizeof(T);
    if constexpr (is_float || std::is_same<T, double>::value) {
#if defined(__AVX512F__)
        if constexpr (bytes == 64) {
            if constexpr (is_float) return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q);
            else return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q);
        }
#endif
#if defined(__AVX__)
        if constexpr (bytes == 32) {
            if constexpr (is_float) return _mm256_cmp_ps(a, b, _CMP_UNORD_Q);
            else return _mm256_cmp_pd(a, b, _CMP_UNORD_Q);
        }
#endif
#if defined(__SSE2__) || defined(_M_X64)
        if constexpr (bytes == 16) {
            if constexpr (is_float) return _mm_cmpunord_ps(a, b);
            else return _mm_cmpunord_pd(a, b);
        }
#endif
    }
    return is_nan(a) | is_nan(b);
}

/// Whether any lane is set.
template <class T>
inline bool any(const mask<T>& condition) noexcept {
    return xsimd::any(condition);
}

}  // namespace simd
}  // namespace apool
