// apool: horizontal reductions: the lanes of a vector combined into one value
// (reduce_min), into every lane (spread_max, spread_min, spread_sum), or the
// sums, maxima or minima of lanes<T> vectors at once (sums_of_each,
// maxima_of_each, minima_of_each). reduce_add is in compat.hpp.
#pragma once

#include <cstddef>

#include "batch.hpp"
#include "compat.hpp"
#include "shuffle.hpp"

namespace apool {
namespace simd {

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
/// lanes of the result with bit Distance clear hold the first of a pair's
/// lanes combined by `pick`, lanes with it set the second's. Then the next
/// distance up.
template <std::ptrdiff_t Distance, std::ptrdiff_t Count, class T, class Pick>
inline batch<T> fold_each(batch<T> (&vectors)[lanes<T>], Pick pick) noexcept {
    if constexpr (Count == 1) {
        return vectors[0];
    } else {
        for (std::ptrdiff_t pair = 0; pair < Count / 2; ++pair) {
            const batch<T>& first = vectors[2 * pair];
            const batch<T>& second = vectors[2 * pair + 1];
            vectors[pair] = pick(blend_lanes<Distance>(first, second), swap_lanes<Distance>(blend_lanes<Distance>(second, first)));
        }
        return fold_each<Distance * 2, Count / 2>(vectors, pick);
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
    return reduce_detail::fold_each<1, lanes<T>>(vectors, [](const batch<T>& a, const batch<T>& b) { return a + b; });
}

/// Lane i of the result is the largest (smallest) lane of vectors[i], for
/// vectors without NaN, as sums_of_each folds them.
template <class T>
inline batch<T> maxima_of_each(batch<T> (&vectors)[lanes<T>]) noexcept {
    static_assert(has_lane_permute<T>, "simd::maxima_of_each: only where has_lane_permute<T> is true");
    return reduce_detail::fold_each<1, lanes<T>>(vectors, [](const batch<T>& a, const batch<T>& b) { return max(a, b); });
}

template <class T>
inline batch<T> minima_of_each(batch<T> (&vectors)[lanes<T>]) noexcept {
    static_assert(has_lane_permute<T>, "simd::minima_of_each: only where has_lane_permute<T> is true");
    return reduce_detail::fold_each<1, lanes<T>>(vectors, [](const batch<T>& a, const batch<T>& b) { return min(a, b); });
}

/// Smallest lane, for vectors without NaN.
template <class T>
inline T reduce_min(const batch<T>& value) noexcept {
    if constexpr (has_lane_permute<T>) return first_lane(spread_min(value));
    return reduce_detail::halve_in_memory(value, [](T a, T b) { return b < a ? b : a; });
}

}  // namespace simd
}  // namespace apool
