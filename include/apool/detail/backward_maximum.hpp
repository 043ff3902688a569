// apool: the max gradient's kernels: each grad_output element is added at the
// input position its index names (checked beforehand), outputs in row-major
// order, onto grad_input zeroed first unless accumulating.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../simd.hpp"
#include "../strided_view.hpp"
#include "backward_kernels.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Where flat plane index `flat` lies in a grad_input plane with these strides.
template <std::size_t Spatial>
inline std::ptrdiff_t plane_offset(const spatial_layout<Spatial>& layout, std::ptrdiff_t flat) noexcept {
    std::ptrdiff_t offset = 0;
    for (std::size_t d = Spatial; d-- > 1;) {
        const std::ptrdiff_t above = flat / layout.in_extent[d];
        offset += (flat - above * layout.in_extent[d]) * layout.in_stride[d];
        flat = above;
    }
    return offset + flat * layout.in_stride[0];
}

/// Max backward where every grad_input plane is contiguous and so are its
/// grad_output and indices planes (NCHW): one load, add and store per output.
/// Planes come in runs (for_each_plane_run: each plane a fixed step after the
/// one before) and go in chunks of about 4096 elements, walked by
/// pointer increments. With `zero_first`, a chunk is zeroed (as one span
/// where its planes are adjacent) and scattered into once the next chunk is
/// zeroed: still in L1, and its zeroing stores retired (a load from a vector
/// store still in flight waits for it). With one output per plane (global
/// pooling) the receiving element is stored, 0 + grad, without a load.
template <class T, class I, class ForEachRun>
void maximum_backward_dense_planes(const T* grad_output, const I* indices, T* grad_input, std::ptrdiff_t plane_size,
                                   std::ptrdiff_t outputs, bool zero_first, ForEachRun&& for_each_run) noexcept {
    constexpr std::ptrdiff_t chunk_elements = 4096;
    const std::ptrdiff_t chunk_planes = plane_size < chunk_elements ? chunk_elements / plane_size : 1;
    struct chunk {
        plane_offsets first;
        std::ptrdiff_t planes = 0;
    };
    plane_offsets step;  // between the planes of a run; the same for every run of a call
    auto scatter = [&](const chunk& c) {
        const T* grads = grad_output + c.first.out;
        const I* where = indices + c.first.index;
        T* plane = grad_input + c.first.in;
        if (zero_first && outputs == 1) {
            for (std::ptrdiff_t k = 0; k < c.planes; ++k) {
                plane[k * step.in + static_cast<std::ptrdiff_t>(where[k * step.index])] = grads[k * step.out] + T(0);
            }
            return;
        }
        for (std::ptrdiff_t k = 0; k < c.planes; ++k, grads += step.out, where += step.index, plane += step.in) {
            for (std::ptrdiff_t o = 0; o < outputs; ++o) plane[static_cast<std::ptrdiff_t>(where[o])] += grads[o];
        }
    };
    auto zero = [&](const chunk& c) {
        if (step.in == plane_size) {
            zero_line(grad_input + c.first.in, c.planes * plane_size, 1);
        } else {
            for (std::ptrdiff_t k = 0; k < c.planes; ++k) zero_line(grad_input + c.first.in + k * step.in, plane_size, 1);
        }
    };
    chunk zeroed;
    for_each_run([&](const plane_offsets& at, std::ptrdiff_t count, const plane_offsets& run_step) {
        step = run_step;
        for (std::ptrdiff_t k = 0; k < count; k += chunk_planes) {
            const chunk current{{at.in + k * step.in, at.out + k * step.out, at.index + k * step.index},
                                count - k < chunk_planes ? count - k : chunk_planes};
            if (!zero_first) {
                scatter(current);
                continue;
            }
            zero(current);
            if (zeroed.planes != 0) scatter(zeroed);
            zeroed = current;
        }
    });
    if (zeroed.planes != 0) scatter(zeroed);
}

/// Max backward for `channels` planes (1, or the contiguous channel dim of
/// channels-last memory, visited innermost): zeroes them if asked, then adds
/// each grad_output element at the input position its index names (checked
/// to lie inside the plane beforehand), outputs in row-major order.
/// Zeroing plane by plane (`zero_first`) keeps the plane in cache for its
/// scatter; small planes are better zeroed all at once by the caller. When the
/// plane's strides are its row-major strides times one factor (dense NCHW:
/// 1; dense channels-last: C), a flat index becomes an offset by one multiply.
template <class T, class I, std::size_t Spatial>
void maximum_backward_planes(const T* grad_output, const I* indices, T* grad_input, const spatial_layout<Spatial>& layout,
                             std::ptrdiff_t dense_scale, std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride,
                             std::ptrdiff_t index_channel_stride, bool zero_first) noexcept {
    // The rows layout.in_range[0] of dim 0 are this work item's: it zeroes
    // those, and adds the outputs of layout.out_range[0] (all of them where
    // the rows are cut: an index may lie anywhere in the plane) whose index
    // lies there.
    const window rows = layout.in_range[0];
    const window output_rows = layout.out_range[0];
    if (zero_first) {
        std::array<std::ptrdiff_t, Spatial + 1> extents{};
        std::array<std::ptrdiff_t, Spatial + 1> strides{};
        for (std::size_t d = 0; d < Spatial; ++d) {
            extents[d] = layout.in_extent[d];
            strides[d] = layout.in_stride[d];
        }
        extents[0] = rows.size();
        extents[Spatial] = channels;
        strides[Spatial] = 1;
        zero_view(strided_view<T, Spatial + 1>(grad_input + rows.start * layout.in_stride[0], extents, strides));
    }
    const std::ptrdiff_t first_flat = rows.start * layout.flat_stride[0];
    const auto owned_flats = static_cast<std::size_t>(rows.size() * layout.flat_stride[0]);
    std::array<std::ptrdiff_t, Spatial> position{};
    std::array<std::ptrdiff_t, Spatial> extent = layout.out_extent;
    extent[0] = output_rows.size();
    std::ptrdiff_t out_offset = output_rows.start * layout.out_stride[0];
    std::ptrdiff_t index_offset = output_rows.start * layout.index_stride[0];
    auto move = [&](std::size_t dim, std::ptrdiff_t steps) {
        out_offset += steps * layout.out_stride[dim];
        index_offset += steps * layout.index_stride[dim];
    };
    std::ptrdiff_t total = 1;
    for (std::size_t d = 0; d < Spatial; ++d) total *= extent[d];
    for (std::ptrdiff_t visited = 0; visited < total; ++visited) {
        for (std::ptrdiff_t c = 0; c < channels; ++c) {
            const auto flat = static_cast<std::ptrdiff_t>(indices[index_offset + c * index_channel_stride]);
            if (static_cast<std::size_t>(flat - first_flat) >= owned_flats) continue;
            const std::ptrdiff_t target = dense_scale != 0 ? flat * dense_scale : plane_offset(layout, flat);
            grad_input[target + c] += grad_output[out_offset + c * grad_output_channel_stride];
        }
        next_position(position, extent, Spatial, Spatial, move);
    }
}

}  // namespace detail
}  // namespace apool
