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
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>  // _BitScanForward
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

/// The cache line size the prefetching kernels step by.
constexpr std::ptrdiff_t cache_line_bytes = 64;

/// What a prefetched line is wanted for.
enum class access { read, write };

/// Asks for the cache line `ahead` elements past `at`, to be read (or written)
/// soon. The address is formed as an integer: it may lie past the end of the
/// caller's memory, which a prefetch never faults on.
template <access Intent = access::read, class T>
inline void prefetch(const T* at, std::ptrdiff_t ahead) noexcept {
    const auto address = reinterpret_cast<std::uintptr_t>(at) + static_cast<std::uintptr_t>(ahead) * sizeof(T);
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(reinterpret_cast<const void*>(address), Intent == access::write ? 1 : 0);
#elif defined(_MSC_VER) && defined(_M_X64)
    _mm_prefetch(reinterpret_cast<const char*>(address), _MM_HINT_T0);
#else
    static_cast<void>(address);
#endif
}

/// prefetch<Intent> for every cache line of the `count` elements from `first`,
/// each `ahead` elements further on.
template <access Intent = access::read, class T>
inline void prefetch_run(const T* first, std::ptrdiff_t count, std::ptrdiff_t ahead) noexcept {
    constexpr std::ptrdiff_t line = cache_line_bytes / static_cast<std::ptrdiff_t>(sizeof(T));
    for (std::ptrdiff_t i = 0; i < count; i += line) prefetch<Intent>(first + i, ahead);
}

/// Lanes that hold NaN. Not `x != x`: xsimd 8.1 compares AVX-512 vectors for
/// != with _CMP_NEQ_OQ, which is false for NaN (later versions use _CMP_NEQ_UQ).
template <class T>
inline mask<T> is_nan(const batch<T>& value) noexcept {
    return xsimd::isnan(value);
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

/// Whether any lane is set.
template <class T>
inline bool any(const mask<T>& condition) noexcept {
    return xsimd::any(condition);
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

/// Integer lane numbers for permute: one per lane of a vector of T.
template <class T>
using lane_index = xsimd::batch<index_bits_t<T>>;

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
inline batch<T> permute(const batch<T>& value, const lane_index<T>& from) noexcept {
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

namespace reduce_detail {

/// Every lane combined with every other by `pick`, log2(lanes) steps, each
/// lane with the one `distance` away: every lane ends with the result.
template <class T, class Pick>
inline batch<T> butterfly(batch<T> value, Pick pick) noexcept {
    if constexpr (lanes<T> >= 16) value = pick(value, swap_lanes<8>(value));
    if constexpr (lanes<T> >= 8) value = pick(value, swap_lanes<4>(value));
    value = pick(value, swap_lanes<2>(value));
    return pick(value, swap_lanes<1>(value));
}

/// Halves the lanes stored to memory log2(lanes) times: where swap_lanes is missing.
template <class T, class Pick>
inline T halve_in_memory(const batch<T>& value, Pick pick) noexcept {
    alignas(64) T lane_values[lanes<T>];
    value.store_aligned(lane_values);
    for (std::ptrdiff_t half = lanes<T> / 2; half > 0; half /= 2) {
        for (std::ptrdiff_t lane = 0; lane < half; ++lane) lane_values[lane] = pick(lane_values[lane], lane_values[lane + half]);
    }
    return lane_values[0];
}

}  // namespace reduce_detail

/// The largest (smallest) lane in every lane, for vectors without NaN: a
/// comparison against it needs no broadcast. Written here rather than taken
/// from xsimd: 8.1 has no reduce_max or reduce_min.
template <class T>
inline batch<T> spread_max(const batch<T>& value) noexcept {
    if constexpr (has_lane_permute<T>) {
        return reduce_detail::butterfly(value, [](const batch<T>& a, const batch<T>& b) { return max(a, b); });
    } else {
        return broadcast(reduce_detail::halve_in_memory(value, [](T a, T b) { return b > a ? b : a; }));
    }
}

template <class T>
inline batch<T> spread_min(const batch<T>& value) noexcept {
    if constexpr (has_lane_permute<T>) {
        return reduce_detail::butterfly(value, [](const batch<T>& a, const batch<T>& b) { return min(a, b); });
    } else {
        return broadcast(reduce_detail::halve_in_memory(value, [](T a, T b) { return b < a ? b : a; }));
    }
}

/// The sum of the lanes in every lane, where has_lane_permute<T> (a tree of
/// adds: the order differs from reduce_add's).
template <class T>
inline batch<T> spread_sum(const batch<T>& value) noexcept {
    static_assert(has_lane_permute<T>, "simd::spread_sum: only where has_lane_permute<T> is true");
    return reduce_detail::butterfly(value, [](const batch<T>& a, const batch<T>& b) { return a + b; });
}

namespace reduce_detail {

/// Folds `count` vectors pairwise at lane distance Distance, into count / 2:
/// lanes of the result with bit Distance clear hold sums of the first of a
/// pair, lanes with it set sums of the second. Then the next distance up.
template <std::ptrdiff_t Distance, std::ptrdiff_t Count, class T>
inline batch<T> fold_sums(batch<T> (&vectors)[lanes<T>]) noexcept {
    if constexpr (Count == 1) {
        return vectors[0];
    } else {
        for (std::ptrdiff_t pair = 0; pair < Count / 2; ++pair) {
            const batch<T>& first = vectors[2 * pair];
            const batch<T>& second = vectors[2 * pair + 1];
            vectors[pair] = blend_lanes<Distance>(first, second) + swap_lanes<Distance>(blend_lanes<Distance>(second, first));
        }
        return fold_sums<Distance * 2, Count / 2>(vectors);
    }
}

}  // namespace reduce_detail

/// Lane i of the result is the sum of the lanes of vectors[i] (which are
/// overwritten), where has_lane_permute<T>. Each of log2(lanes) steps halves
/// the vectors with two blends, a fixed shuffle and an add per pair: about
/// three instructions a vector, where a spread_sum each takes eight. (A tree
/// of adds: the order differs from reduce_add's.)
template <class T>
inline batch<T> sums_of_each(batch<T> (&vectors)[lanes<T>]) noexcept {
    static_assert(has_lane_permute<T>, "simd::sums_of_each: only where has_lane_permute<T> is true");
    return reduce_detail::fold_sums<1, lanes<T>>(vectors);
}

/// Smallest lane, for vectors without NaN.
template <class T>
inline T reduce_min(const batch<T>& value) noexcept {
    if constexpr (has_lane_permute<T>) return first_lane(spread_min(value));
    return reduce_detail::halve_in_memory(value, [](T a, T b) { return b < a ? b : a; });
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

namespace transpose_detail {

template <class T>
inline void transpose_scalar(const T* const* rows, T* const* columns) noexcept {
    constexpr std::ptrdiff_t size = lanes<T>;
    for (std::ptrdiff_t row = 0; row < size; ++row) {
        for (std::ptrdiff_t column = 0; column < size; ++column) columns[column][row] = rows[row][column];
    }
}

#if defined(__AVX512F__)
// Four rounds of full-width interleaves (row i with row i + 8) transpose the
// block. Two-source permutes, not unpack/shuffle: GCC 12's headers implement
// those with _mm512_undefined_ps(), which -Wuninitialized reports at callers.
inline void transpose_16x16(const float* const* rows, float* const* columns) noexcept {
    const __m512i interleave_low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i interleave_high = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    __m512 a[16], b[16];
    for (int k = 0; k < 16; ++k) a[k] = _mm512_loadu_ps(rows[k]);
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
    for (int k = 0; k < 16; ++k) _mm512_storeu_ps(columns[k], a[k]);
}
#endif

#if defined(__AVX__)
inline void transpose_8x8(const float* const* rows, float* const* columns) noexcept {
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
        _mm256_storeu_ps(columns[c], _mm256_permute2f128_ps(r[c], r[4 + c], 0x20));
        _mm256_storeu_ps(columns[4 + c], _mm256_permute2f128_ps(r[c], r[4 + c], 0x31));
    }
}
#endif

#if defined(__SSE2__) || defined(_M_X64)
inline void transpose_4x4(const float* const* rows, float* const* columns) noexcept {
    __m128 r0 = _mm_loadu_ps(rows[0]), r1 = _mm_loadu_ps(rows[1]), r2 = _mm_loadu_ps(rows[2]), r3 = _mm_loadu_ps(rows[3]);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(columns[0], r0);
    _mm_storeu_ps(columns[1], r1);
    _mm_storeu_ps(columns[2], r2);
    _mm_storeu_ps(columns[3], r3);
}
#endif

}  // namespace transpose_detail

/// Transposes a lanes<T> x lanes<T> block: row r is the lanes<T> contiguous
/// elements at rows[r], and column c is written to the lanes<T> contiguous
/// elements at columns[c]. Moves bits only (no arithmetic), so index bits
/// carried in T lanes pass unchanged. Intrinsics where the target has them for this
/// vector width; element by element elsewhere.
template <class T>
inline void transpose_block(const T* const* rows, T* const* columns) noexcept {
#if defined(__AVX512F__)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 16) {
        transpose_detail::transpose_16x16(rows, columns);
        return;
    }
#endif
#if defined(__AVX__)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 8) {
        transpose_detail::transpose_8x8(rows, columns);
        return;
    }
#endif
#if defined(__SSE2__) || defined(_M_X64)
    if constexpr (std::is_same<T, float>::value && lanes<T> == 4) {
        transpose_detail::transpose_4x4(rows, columns);
        return;
    }
#endif
    transpose_detail::transpose_scalar(rows, columns);
}

}  // namespace simd
}  // namespace apool
