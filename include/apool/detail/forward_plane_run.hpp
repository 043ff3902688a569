// apool: the grouped global average and max: small dense planes, a vector of
// planes at a time, each plane's partial sums or lane maxima in one vector,
// then one horizontal fold for all of them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "forward_kernels.hpp"
#include "reductions.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// The sum of `count` (at least lanes<T>) contiguous elements as one vector of
/// partial sums. The last, partial vector is loaded ending at the last element,
/// overlapping the one before, and its lanes already counted are zeroed by
/// `tail_keep` (simd::lanes_from<T>(lanes<T> - count % lanes<T>)). Elements
/// narrower than T widen as they load.
template <class T, class Element>
inline simd::batch<T> partial_sums(const Element* data, std::ptrdiff_t count, const simd::batch<T>& tail_keep) noexcept {
    const typename average<T>::vector_sums whole = average<T>::whole_vectors(data, count);
    if (whole.end == count) return whole.sum;
    return whole.sum + (simd::load_as<T>(data + count - simd::lanes<T>) & tail_keep);
}

/// Global average of `planes` dense planes of `plane_size` (at least
/// lanes<T>) elements, `in_stride` and `out_stride` apart, where
/// simd::has_lane_permute<T>: lanes<T> planes at a time, each plane's vector of
/// partial sums, then one sums_of_each for all of them, where a horizontal sum
/// per plane costs as much as its loads; the planes past the last group one at
/// a time. Sums and quotients are T's (the elements widen to T as they load;
/// the averages round once to Out). `then(first_plane, count)` runs for each
/// group once it is done, while its planes are in L1 (the pair's max), and
/// for each plane past the last group. Planes of more
/// than one vector prefetch their counterparts in the next group: read as
/// overlapping vectors, their run falls behind the hardware prefetchers
/// wherever the input is not already in L2 (planes of one vector are one
/// load each, which they follow).
template <class T, class Element, class Out, class Then>
void average_plane_run(const Element* in, std::ptrdiff_t in_stride, Out* out, std::ptrdiff_t out_stride, std::ptrdiff_t planes,
                       std::ptrdiff_t plane_size, const Then& then) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const simd::batch<T> tail_keep = simd::lanes_from<T>(width - plane_size % width);
    const simd::batch<T> divisor = simd::broadcast(static_cast<T>(plane_size));
    const bool prefetch = plane_size > width;
    std::ptrdiff_t plane = 0;
    for (; plane + width <= planes; plane += width) {
        simd::batch<T> sums[width];
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            sums[k] = partial_sums(in + (plane + k) * in_stride, plane_size, tail_keep);
            if (prefetch) simd::prefetch_run(in + (plane + k) * in_stride, plane_size, width * in_stride);
        }
        store_lanes(simd::sums_of_each(sums) / divisor, out + plane * out_stride, out_stride);
        then(plane, width);
    }
    for (; plane < planes; ++plane) {
        const T plane_average = average<T>::value(average<T>::span(in + plane * in_stride, plane_size, 0), plane_size);
        if constexpr (std::is_same<Out, T>::value) {
            out[plane * out_stride] = plane_average;
        } else {
            out[plane * out_stride] = round_from_float<Out>(plane_average);
        }
        then(plane, std::ptrdiff_t(1));
    }
}

/// Global max (Reduction: maximum<T>, or its float_lanes over narrower
/// elements) of `planes` dense planes of `plane_size` (at least lanes<T>, at
/// most maximum<T>::exact_positions) elements, `in_stride` apart, into `out`
/// and, where it is not null, `index`, where simd::has_lane_permute<T>.
/// lanes<T> planes at a time: each plane's lane maxima, then one
/// maxima_of_each for all of them, where a spread_max per plane costs as much
/// as its loads. Without indices, and where no plane's max is zero, those are
/// the results: elements equal to a nonzero max have its bits. Otherwise each
/// plane's first positions of its max (from L1), one minima_of_each, and each
/// result is the element at its plane's first position (which decides between
/// +0 and -0). A group that read a NaN takes each plane's span (the scan-order
/// rule); so do the planes past the last group. With `prefetch`, planes of
/// more than one vector prefetch their counterparts in the next group, as the
/// average's run does.
template <class Reduction, class Element, class Out, class I>
void maximum_plane_run(const Element* in, std::ptrdiff_t in_stride, Out* out, std::ptrdiff_t out_stride, I* index,
                       std::ptrdiff_t index_stride, std::ptrdiff_t planes, std::ptrdiff_t plane_size, bool prefetch) noexcept {
    using T = typename Reduction::accumulator;
    using largest = maximum<T>;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    prefetch = prefetch && plane_size > width;
    auto each_span = [&](std::ptrdiff_t first, std::ptrdiff_t count) {
        for (std::ptrdiff_t plane = first; plane < first + count; ++plane) {
            write_result<Reduction>(Reduction::span(in + plane * in_stride, plane_size, 0), plane_size, out + plane * out_stride,
                                    index != nullptr ? index + plane * index_stride : nullptr);
        }
    };
    std::ptrdiff_t plane = 0;
    for (; plane + width <= planes; plane += width) {
        const Element* group = in + plane * in_stride;
        simd::batch<T> maxima[width];
        bool nan = false;
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            const typename largest::lane_maxima lanes = largest::maxima_of_lanes(group + k * in_stride, plane_size);
            maxima[k] = lanes.largest;
            nan = nan || lanes.nan;
            if (prefetch) simd::prefetch_run(group + k * in_stride, plane_size, width * in_stride);
        }
        if (nan) {
            each_span(plane, width);
            continue;
        }
        const simd::batch<T> best = simd::maxima_of_each(maxima);
        if (index == nullptr && !simd::any<T>(best == simd::broadcast(T(0)))) {
            store_lanes(best, out + plane * out_stride, out_stride);
            continue;
        }
        alignas(64) T best_values[width];
        simd::store(best_values, best);
        simd::batch<T> positions[width];
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            positions[k] = largest::first_positions(group + k * in_stride, plane_size, simd::broadcast(best_values[k]));
        }
        alignas(64) T first[width];
        simd::store(first, simd::minima_of_each(positions));
        for (std::ptrdiff_t k = 0; k < width; ++k) {
            const auto at = static_cast<std::ptrdiff_t>(first[k]);
            write_result<Reduction>({widen<T>(group[k * in_stride + at]), at}, plane_size, out + (plane + k) * out_stride,
                                    index != nullptr ? index + (plane + k) * index_stride : nullptr);
        }
    }
    each_span(plane, planes - plane);
}
}  // namespace detail
}  // namespace apool
