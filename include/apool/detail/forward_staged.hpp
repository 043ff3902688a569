// apool: the staged kernel. The element types without vector kernels of their
// own (16-bit floats and bytes, into their own type or into float) pool small
// planes through float's: a group of planes is converted into dense float
// planes on the stack (exactly), pooled there by float's plan and kernels,
// and the results are converted into the output (rounded once). Float sums
// of bytes are exact in planes of up to 2^24 / 255 elements, far above the
// stage's size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../simd.hpp"
#include "../simd/widen.hpp"
#include "../strided_view.hpp"
#include "element_types.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// The most planes one staged group holds (each of at least
/// APOOL_STAGE_ELEMENTS / most_staged_planes elements fills the stage).
constexpr std::ptrdiff_t most_staged_planes = 256;

/// Planes per staged group for planes of these sizes (0: the stage is too
/// small): a multiple of float's lanes where more fit, so that float's tiled
/// kernel, a vector of planes at a time, has no partial group but the call's last.
inline std::ptrdiff_t staged_group(std::ptrdiff_t plane_size, std::ptrdiff_t out_plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<float>;
    const std::ptrdiff_t larger = plane_size > out_plane_size ? plane_size : out_plane_size;
    std::ptrdiff_t fit = larger > 0 ? APOOL_STAGE_ELEMENTS / larger : 0;
    if (fit > most_staged_planes) fit = most_staged_planes;
    return fit > width ? fit - fit % width : fit;
}

/// Pools the planes numbered `first_plane` to `last_plane` - 1 (at most a
/// group) of a plan's problem through float: `pool_floats(in, out, indices)`
/// pools them as dense float planes with float's plan and kernels.
template <class Reduction, class T, class Out, class I, std::size_t Spatial, std::size_t Leading, class PoolFloats>
void staged_planes(const leading_layout<Leading>& planes, std::size_t skip, const spatial_layout<Spatial>& spatial, const T* in, Out* out,
                   I* index, std::ptrdiff_t first_plane, std::ptrdiff_t last_plane, PoolFloats&& pool_floats) noexcept {
    constexpr bool with_indices = Reduction::tracks_index;
    float input_stage[APOOL_STAGE_ELEMENTS];
    float output_stage[APOOL_STAGE_ELEMENTS];
    std::int32_t index_stage[with_indices ? APOOL_STAGE_ELEMENTS : 1];
    const std::ptrdiff_t plane_size = spatial.plane_size();
    std::ptrdiff_t out_plane_size = 1;
    for (std::size_t d = 0; d < Spatial; ++d) out_plane_size *= spatial.out_extent[d];
    plane_offsets group[most_staged_planes];
    std::ptrdiff_t count = 0;
    for_each_plane(planes, skip, first_plane, last_plane, [&](const plane_offsets& at) { group[count++] = at; });

    window_box<Spatial> whole{};
    for (std::size_t d = 0; d < Spatial; ++d) whole[d] = {0, spatial.in_extent[d]};
    const std::ptrdiff_t row = spatial.in_extent[Spatial - 1];
    bool dense_plane = true;
    for (std::size_t d = 0; d < Spatial; ++d) dense_plane = dense_plane && spatial.in_stride[d] == spatial.flat_stride[d];
    for (std::ptrdiff_t j = 0; j < count; ++j) {
        const T* plane = in + group[j].in;
        float* staged = input_stage + j * plane_size;
        if (dense_plane) {
            simd::widen_to_float(plane, staged, plane_size);
        } else if (spatial.in_stride[Spatial - 1] == 1) {
            // Contiguous rows: a row at a time, with vectors.
            auto convert_row = [&](std::ptrdiff_t offset, std::ptrdiff_t flat) { simd::widen_to_float(plane + offset, staged + flat, row); };
            walk_box<Spatial - 1>(spatial, whole, 0, 0, convert_row);
        } else {
            auto convert = [&](std::ptrdiff_t offset, std::ptrdiff_t flat) { staged[flat] = widen<float>(plane[offset]); };
            walk_box<Spatial>(spatial, whole, 0, 0, convert);
        }
    }
    pool_floats(static_cast<const float*>(input_stage), static_cast<float*>(output_stage),
                with_indices && index != nullptr ? index_stage : nullptr);
    output_window<Spatial> current{};
    for (std::ptrdiff_t j = 0; j < count; ++j) {
        std::ptrdiff_t k = j * out_plane_size;
        auto write = [&](const window_box<Spatial>&, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
            out[group[j].out + out_offset] = Reduction::from_staged(output_stage[k]);
            if constexpr (with_indices) {
                if (index != nullptr) index[group[j].index + index_offset] = static_cast<I>(index_stage[k]);
            }
            ++k;
        };
        for_each_window<Spatial>(spatial, current, 0, 0, write);
    }
}

}  // namespace detail
}  // namespace apool
