// apool: the grouped global average: small dense planes, a vector of planes
// at a time, each plane's partial sums in one vector, then one horizontal fold
// for all of them.
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
/// the averages round once to Out). `then(plane)` runs for each plane once its
/// group is done, while the group is in L1 (the pair's max). Planes of more
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
        for (std::ptrdiff_t k = 0; k < width; ++k) then(plane + k);
    }
    for (; plane < planes; ++plane) {
        const T plane_average = average<T>::value(average<T>::span(in + plane * in_stride, plane_size, 0), plane_size);
        if constexpr (std::is_same<Out, T>::value) {
            out[plane * out_stride] = plane_average;
        } else {
            out[plane * out_stride] = round_from_float<Out>(plane_average);
        }
        then(plane);
    }
}
}  // namespace detail
}  // namespace apool
