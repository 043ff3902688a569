// apool: the plane runs: global average, max, or both, of small dense planes,
// a vector of planes at a time. One pass over each plane leaves its partial
// sums and its lane maxima (with the first position of each lane's maximum)
// in one vector each; one horizontal fold then serves the whole group.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "forward_kernels.hpp"
#include "reductions.hpp"

namespace apool {
namespace detail {

/// What a plane run computes: the average (Sums), the max (Maxima: a
/// maximum<T> policy, or its float_lanes over narrower elements), or both.
/// Positions: each lane also keeps the first position of its maximum, which
/// the indices need (and a zero max, to tell +0 from -0).
template <class T, bool Sums, class Maxima, bool Positions>
struct plane_run_lanes {
    static constexpr bool sums = Sums;
    static constexpr bool maxima = !std::is_void<Maxima>::value;
    static constexpr bool positions = Positions;
    static constexpr std::ptrdiff_t width = simd::lanes<T>;

    /// A group's vectors, one of each per plane.
    struct group {
        simd::batch<T> sum[width];
        simd::batch<T> largest[width];
        simd::batch<T> position[width];
        bool nan = false;
    };

    /// One pass over plane `k` of the group: `count` (at least lanes<T>)
    /// contiguous elements, which widen to T as they load. The sums add the
    /// whole vectors in order, then the last, partial vector loaded ending at
    /// the last element with its lanes already counted zeroed by `tail_keep`
    /// (simd::lanes_from<T>(lanes<T> - count % lanes<T>)); the maxima take
    /// that overlapping vector whole. A lane's position changes only where an
    /// element is strictly larger than its maximum so far: its first. A NaN is
    /// no larger than anything, so `nan` records that one was read.
    template <class Element>
    static void read_plane(group& g, std::ptrdiff_t k, const Element* data, std::ptrdiff_t count,
                           const simd::batch<T>& tail_keep) noexcept {
        const simd::batch<T> step = simd::broadcast(static_cast<T>(width));
        simd::batch<T> value = simd::load_as<T>(data);
        simd::batch<T> sum = value;
        simd::batch<T> largest = value;
        simd::batch<T> here = simd::lane_numbers<T>();
        simd::batch<T> position = here;
        auto nan = simd::is_nan(value);
        auto take = [&](const simd::batch<T>& next) {
            if constexpr (maxima) {
                if constexpr (positions) position = simd::select(next > largest, here, position);
                largest = simd::max(largest, next);
                nan = nan | simd::is_nan(next);
            }
        };
        auto whole = [&](std::ptrdiff_t at) {
            value = simd::load_as<T>(data + at);
            here += step;
            if constexpr (sums) sum += value;
            take(value);
        };
        // Two vectors an iteration: planes of a few vectors pay one branch
        // for two loads (the sums keep their order).
        std::ptrdiff_t i = width;
        for (; i + 2 * width <= count; i += 2 * width) {
            whole(i);
            whole(i + width);
        }
        if (i + width <= count) {
            whole(i);
            i += width;
        }
        if (i < count) {
            value = simd::load_as<T>(data + count - width);
            here = simd::lane_numbers<T>() + simd::broadcast(static_cast<T>(count - width));
            if constexpr (sums) sum += value & tail_keep;
            take(value);
        }
        if constexpr (sums) g.sum[k] = sum;
        if constexpr (maxima) {
            g.largest[k] = largest;
            g.position[k] = position;
            g.nan = g.nan || simd::any<T>(nan);
        }
    }
};

/// The global average and/or max of `planes` dense planes of `plane_size`
/// (at least lanes<T>; for the max, at most maximum<T>::exact_positions)
/// elements, `in_stride` apart, where simd::has_lane_permute<T>: averages to
/// `average_out` (with Sums), maxima to `maximum_out` and, where it is not
/// null, their flat indices to `index` (with a Maxima policy). lanes<T>
/// planes at a time, each read once (read_plane), their sums and maxima
/// folded for the whole group (sums_of_each, maxima_of_each), where a
/// horizontal fold per plane costs as much as its loads. Each plane's max is
/// then located among its lanes: the smallest first position of the lanes
/// holding it (minima_of_each), and the result is the element there, which
/// decides between +0 and -0. Without indices, a group whose maxima are all
/// nonzero stores them as they are (elements equal to a nonzero max have its
/// bits), and a zero max reads its group again with positions. A group that
/// read a NaN takes each plane's max span (the scan-order rule); the planes
/// past the last group take the spans. Sums and quotients are T's, rounded
/// once to Out. Planes of more than one vector prefetch their counterparts in
/// the next group: read as overlapping vectors, their run falls behind the
/// hardware prefetchers wherever the input is not already in L2 (planes of
/// one vector are one load each, which they follow).
template <class T, bool Sums, class Maxima, class Element, class Out, class I>
void plane_run(const Element* in, std::ptrdiff_t in_stride, Out* average_out, Out* maximum_out, std::ptrdiff_t out_stride, I* index,
               std::ptrdiff_t index_stride, std::ptrdiff_t planes, std::ptrdiff_t plane_size) noexcept {
    using with_positions = plane_run_lanes<T, Sums, Maxima, true>;
    using without_positions = plane_run_lanes<T, Sums, Maxima, false>;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr bool maxima = with_positions::maxima;
    const simd::batch<T> tail_keep = simd::lanes_from<T>(width - plane_size % width);
    const simd::batch<T> divisor = simd::broadcast(static_cast<T>(plane_size));
    const bool prefetch = plane_size > width;
    auto max_span = [&](std::ptrdiff_t plane) {
        if constexpr (maxima) {
            write_result<Maxima>(Maxima::span(in + plane * in_stride, plane_size, 0), plane_size, maximum_out + plane * out_stride,
                                 index != nullptr ? index + plane * index_stride : nullptr);
        }
    };
    // Each plane's result at its lanes' smallest first position of its max.
    auto locate = [&](std::ptrdiff_t plane, auto& g) {
        if constexpr (maxima) {
            simd::batch<T> folded[width];  // maxima_of_each overwrites its vectors
            for (std::ptrdiff_t k = 0; k < width; ++k) folded[k] = g.largest[k];
            alignas(64) T best[width];
            simd::store(best, simd::maxima_of_each(folded));
            const simd::batch<T> none = simd::broadcast(std::numeric_limits<T>::infinity());
            for (std::ptrdiff_t k = 0; k < width; ++k) {
                g.position[k] = simd::select(g.largest[k] == simd::broadcast(best[k]), g.position[k], none);
            }
            alignas(64) T first[width];
            simd::store(first, simd::minima_of_each(g.position));
            for (std::ptrdiff_t k = 0; k < width; ++k) {
                const auto at = static_cast<std::ptrdiff_t>(first[k]);
                write_result<Maxima>({widen<T>(in[(plane + k) * in_stride + at]), at}, plane_size, maximum_out + (plane + k) * out_stride,
                                     index != nullptr ? index + (plane + k) * index_stride : nullptr);
            }
        }
    };
    auto run_group = [&](std::ptrdiff_t plane, auto lanes) {
        using run = decltype(lanes);
        typename run::group g;
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            const Element* data = in + (plane + k) * in_stride;
            run::read_plane(g, k, data, plane_size, tail_keep);
            if (prefetch) simd::prefetch_run(data, plane_size, width * in_stride);
        }
        if constexpr (Sums) store_lanes(simd::sums_of_each(g.sum) / divisor, average_out + plane * out_stride, out_stride);
        if constexpr (maxima) {
            if (g.nan) {
                for (std::ptrdiff_t k = 0; k < width; ++k) max_span(plane + k);
            } else if constexpr (run::positions) {
                locate(plane, g);
            } else {
                const simd::batch<T> best = simd::maxima_of_each(g.largest);
                if (!simd::any<T>(best == simd::broadcast(T(0)))) {
                    store_lanes(best, maximum_out + plane * out_stride, out_stride);
                } else {
                    // The group is in L1: read again with positions, the max alone.
                    using max_only = plane_run_lanes<T, false, Maxima, true>;
                    typename max_only::group again;
                    for (std::ptrdiff_t k = 0; k < width; ++k) max_only::read_plane(again, k, in + (plane + k) * in_stride, plane_size, tail_keep);
                    locate(plane, again);
                }
            }
        }
    };
    std::ptrdiff_t plane = 0;
    for (; plane + width <= planes; plane += width) {
        if (!maxima || index != nullptr) {
            run_group(plane, with_positions{});
        } else {
            run_group(plane, without_positions{});
        }
    }
    for (; plane < planes; ++plane) {
        if constexpr (Sums) {
            const T plane_average = average<T>::value(average<T>::span(in + plane * in_stride, plane_size, 0), plane_size);
            if constexpr (std::is_same<Out, T>::value) {
                average_out[plane * out_stride] = plane_average;
            } else {
                average_out[plane * out_stride] = round_from_float<Out>(plane_average);
            }
        }
        max_span(plane);
    }
}

}  // namespace detail
}  // namespace apool
