// apool: the tiled avg backward kernel, for many small dense planes (NCHW
// feature maps of 7x7 to 16x16).
//
// Rows of such planes are shorter than two vectors, so the share-rows kernel
// would spend most of its time on tails. Instead simd::lanes<T> planes are
// handled at once in a stack tile in which each plane is one lane (the layout
// of channels-last memory with one vector of channels): the shares of every
// output are gathered into vectors, scattered over the tile in row-major
// output order with whole vectors, and the tile is transposed back into the
// planes. Each lane does exactly what the other kernels do for its plane, so
// the bits are the same.
#pragma once

#include <cstddef>

#include "../config.hpp"
#include "../simd.hpp"
#include "backward_kernels.hpp"
#include "forward_tiles.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Whether dense planes of `plane_size` elements with `out_plane_size`
/// outputs each fit the tiled avg backward: the planes as for the forward
/// tiles, and a vector of output planes within a tile too.
template <class T>
constexpr bool backward_tile_holds(std::ptrdiff_t plane_size, std::ptrdiff_t out_plane_size) noexcept {
    return tile_holds<T>(plane_size) && out_plane_size <= APOOL_TILE_ELEMENTS / simd::lanes<T>;
}

/// Avg backward of `plane_count` (1 to simd::lanes<T>) dense planes whose
/// first elements are at grad_input + planes[p].in. `dense_outputs`: each
/// grad_output plane is one row-major block of at least a vector.
template <class T, std::size_t Spatial>
void average_backward_tiled_planes(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout, const plane_offsets* planes,
                                   std::ptrdiff_t plane_count, bool dense_outputs, bool accumulate) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    alignas(64) T tile[APOOL_TILE_ELEMENTS];
    alignas(64) T shares[APOOL_TILE_ELEMENTS];
    const std::ptrdiff_t plane_size = layout.plane_size();
    std::ptrdiff_t out_plane_size = 1;
    for (std::size_t d = 0; d < Spatial; ++d) out_plane_size *= layout.out_extent[d];

    // Blocks of `width` elements; the last one is moved back to end at the
    // plane's end (overlapping its predecessor), so that nothing runs past a plane.
    auto for_each_block = [](std::ptrdiff_t size, auto&& f) {
        for (std::ptrdiff_t start = 0; start < size; start += width) f(start + width <= size ? start : size - width);
    };
    // Missing lanes read plane 0 (readable memory); their results are dropped.
    auto plane_of = [&](std::ptrdiff_t p) { return planes[p < plane_count ? p : 0]; };

    if (dense_outputs) {
        for_each_block(out_plane_size, [&](std::ptrdiff_t block) {
            const T* rows[width];
            T* columns[width];
            for (std::ptrdiff_t p = 0; p < width; ++p) rows[p] = grad_output + plane_of(p).out + block;
            for (std::ptrdiff_t c = 0; c < width; ++c) columns[c] = shares + (block + c) * width;
            simd::transpose_block(rows, columns);
        });
    } else {
        std::ptrdiff_t o = 0;
        output_window<Spatial> box{};
        auto gather = [&](const window_box<Spatial>&, std::ptrdiff_t out_offset, std::ptrdiff_t) {
            for (std::ptrdiff_t p = 0; p < width; ++p) shares[o * width + p] = grad_output[plane_of(p).out + out_offset];
            ++o;
        };
        for_each_window<Spatial>(layout, box, 0, 0, gather);
    }
    if (accumulate) {
        for_each_block(plane_size, [&](std::ptrdiff_t block) {
            const T* rows[width];
            T* columns[width];
            for (std::ptrdiff_t p = 0; p < width; ++p) rows[p] = grad_input + plane_of(p).in + block;
            for (std::ptrdiff_t c = 0; c < width; ++c) columns[c] = tile + (block + c) * width;
            simd::transpose_block(rows, columns);
        });
    }

    spatial_layout<Spatial> tile_layout = layout;
    std::ptrdiff_t out_flat = width;
    for (std::size_t d = Spatial; d-- > 0;) {
        tile_layout.in_stride[d] = layout.flat_stride[d] * width;
        tile_layout.out_stride[d] = out_flat;
        out_flat *= layout.out_extent[d];
    }
    output_window<Spatial, true> current{};
    auto per_output = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const auto share = average_share<simd::batch<T>, Spatial>(simd::load(shares + out_offset), o, layout);
        const auto first_share = share + simd::broadcast(T(0));
        auto receive_lanes = [&](std::ptrdiff_t offset, bool fresh) {
            T* at = tile + offset;
            simd::store(at, fresh ? first_share : simd::load(at) + share);
        };
        walk_output_window<Spatial>(tile_layout, o, 0, !accumulate, receive_lanes);
    };
    for_each_window<Spatial>(tile_layout, current, 0, 0, per_output);

    T discarded[width];
    for_each_block(plane_size, [&](std::ptrdiff_t block) {
        const T* rows[width];
        T* columns[width];
        for (std::ptrdiff_t r = 0; r < width; ++r) rows[r] = tile + (block + r) * width;
        for (std::ptrdiff_t p = 0; p < width; ++p) columns[p] = p < plane_count ? grad_input + planes[p].in + block : discarded;
        simd::transpose_block(rows, columns);
    });
}

}  // namespace detail
}  // namespace apool
