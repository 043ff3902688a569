// apool: the tiled forward kernel, for many small dense planes (NCHW feature
// maps of 7x7 to 16x16).
//
// A row of such a plane is shorter than a vector, so the rows kernel would run
// almost only scalar tails. Instead, simd::lanes<T> planes are transposed into
// a stack tile in which each plane is one lane (the layout of channels-last
// memory with one vector of channels), and every window is then reduced once
// for all of them with whole vectors. The planes may sit anywhere: each lane
// keeps its own input, output and index offsets.
#pragma once

#include <algorithm>
#include <cstddef>

#include "../simd.hpp"
#include "forward_kernels.hpp"
#include "walk.hpp"

// Elements of stack scratch for the tiled kernel's tile: planes of up to
// APOOL_TILE_ELEMENTS / simd::lanes<T> elements take it.
#ifndef APOOL_TILE_ELEMENTS
#define APOOL_TILE_ELEMENTS 4096
#endif

namespace apool {
namespace detail {

/// Whether the tiled kernel suits a dense plane of `plane_size` elements, with
/// `planes` planes in the call.
template <class T>
constexpr bool tiles_suit(std::ptrdiff_t plane_size, std::ptrdiff_t planes) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    return width > 1 && planes >= width && plane_size >= width && plane_size <= APOOL_TILE_ELEMENTS / width;
}

/// Reduces `plane_count` (1 to simd::lanes<T>) dense planes whose first
/// elements are at in + planes[p].in. The layout's input strides must be its
/// flat strides (the plane is one contiguous block).
template <class Reduction, class T, class I, std::size_t Spatial>
void tiled_planes(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout, const plane_offsets* planes,
                  std::ptrdiff_t plane_count) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    alignas(64) T tile[APOOL_TILE_ELEMENTS];
    const std::ptrdiff_t plane_size = layout.plane_size();

    // Missing lanes repeat plane 0 (readable memory); their results are dropped.
    const T* plane_starts[width];
    for (std::ptrdiff_t p = 0; p < width; ++p) plane_starts[p] = in + planes[p < plane_count ? p : 0].in;
    // Blocks of `width` elements; the last one is moved back to end at the plane's
    // end (overlapping its predecessor) so that no load runs past a plane.
    for (std::ptrdiff_t start = 0; start < plane_size; start += width) {
        const std::ptrdiff_t block = std::min(start, plane_size - width);
        const T* rows[width];
        for (std::ptrdiff_t p = 0; p < width; ++p) rows[p] = plane_starts[p] + block;
        simd::transpose_block(rows, tile + block * width);
    }

    spatial_layout<Spatial> tile_layout = layout;
    for (std::size_t d = 0; d < Spatial; ++d) tile_layout.in_stride[d] = layout.flat_stride[d] * width;

    window_box<Spatial> box;
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        typename Reduction::vector_state states[1];
        reduce_lanes<Reduction, Spatial>(tile, tile_layout, b, box_first_index<Spatial>(layout, b), states);
        alignas(64) T values[width];
        simd::store(values, Reduction::vector_value(states[0], box_count<Spatial>(b)));
        for (std::ptrdiff_t p = 0; p < plane_count; ++p) out[planes[p].out + out_offset] = values[p];
        if constexpr (Reduction::tracks_index) {
            if (index != nullptr) {
                alignas(64) T bits[width];
                Reduction::store_index_bits(states[0], bits);
                for (std::ptrdiff_t p = 0; p < plane_count; ++p) {
                    index[planes[p].index + index_offset] = static_cast<I>(simd::index_from_bits(bits[p]));
                }
            }
        }
    };
    for_each_window<Spatial>(tile_layout, box, 0, 0, per_output);
}

}  // namespace detail
}  // namespace apool
