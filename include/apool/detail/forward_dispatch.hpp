// apool: classifies the strides of a checked forward call once, then runs the
// kernel for that layout on every plane.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "forward_kernels.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

template <std::size_t Spatial, class T, class I, std::size_t Rank>
struct forward_problem {
    static constexpr std::size_t leading = Rank - Spatial;
    const T* input;
    T* output;
    I* index;  // null when no indices are written
    spatial_layout<Spatial> spatial;
    leading_layout<leading> planes;
};

template <std::size_t Spatial, class T, class I, std::size_t Rank>
forward_problem<Spatial, T, I, Rank> describe_forward(const strided_view<const T, Rank>& input, const strided_view<T, Rank>& output,
                                                      I* index, const std::array<std::ptrdiff_t, Rank>& index_strides) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    forward_problem<Spatial, T, I, Rank> problem{input.data(), output.data(), index, {}, {}};
    for (std::size_t d = 0; d < Spatial; ++d) {
        problem.spatial.in_extent[d] = input.extent(leading + d);
        problem.spatial.out_extent[d] = output.extent(leading + d);
        problem.spatial.in_stride[d] = input.stride(leading + d);
        problem.spatial.out_stride[d] = output.stride(leading + d);
        problem.spatial.index_stride[d] = index_strides[leading + d];
    }
    std::ptrdiff_t flat = 1;
    for (std::size_t d = Spatial; d-- > 0;) {
        problem.spatial.flat_stride[d] = flat;
        flat *= problem.spatial.in_extent[d];
    }
    for (std::size_t d = 0; d < leading; ++d) {
        problem.planes.extent[d] = input.extent(d);
        problem.planes.in_stride[d] = input.stride(d);
        problem.planes.out_stride[d] = output.stride(d);
        problem.planes.index_stride[d] = index_strides[d];
    }
    return problem;
}

/// Runs a forward reduction on checked arguments. `index` may be null.
template <class Reduction, std::size_t Spatial, class T, class I, std::size_t Rank>
void run_forward(const strided_view<const T, Rank>& input, const strided_view<T, Rank>& output, I* index,
                 const std::array<std::ptrdiff_t, Rank>& index_strides) noexcept {
    if (output.size() == 0) return;
    const auto problem = describe_forward<Spatial>(input, output, index, index_strides);
    constexpr std::size_t leading = Rank - Spatial;
    const auto& spatial = problem.spatial;

    // Vector lanes carry flat indices in simd::index_bits_t<T>; larger planes
    // take the generic kernel, whose indices are std::ptrdiff_t.
    const bool vector_indices_fit =
        !Reduction::tracks_index ||
        spatial.plane_size() - 1 <= static_cast<std::ptrdiff_t>(std::numeric_limits<simd::index_bits_t<T>>::max());

    std::size_t channel_dim = leading;
    for (std::size_t d = 0; d < leading; ++d) {
        if (problem.planes.in_stride[d] == 1 && problem.planes.extent[d] > 1) {
            channel_dim = d;
            break;
        }
    }
    const bool rows_contiguous = spatial.in_stride[Spatial - 1] == 1;
    const bool use_rows = rows_contiguous && (spatial.in_extent[Spatial - 1] >= simd::lanes<T> || channel_dim == leading);

    if (vector_indices_fit && use_rows) {
        bool plane_is_one_span = true;
        for (std::size_t d = 0; d < Spatial; ++d) {
            plane_is_one_span = plane_is_one_span && spatial.out_extent[d] == 1 && spatial.in_stride[d] == spatial.flat_stride[d];
        }
        for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
            rows_plane<Reduction>(problem.input + at.in, problem.output + at.out, index != nullptr ? index + at.index : nullptr,
                                  spatial, plane_is_one_span);
        });
    } else if (vector_indices_fit && channel_dim < leading) {
        const std::ptrdiff_t channels = problem.planes.extent[channel_dim];
        for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
            channels_last_plane<Reduction>(problem.input + at.in, problem.output + at.out,
                                           index != nullptr ? index + at.index : nullptr, spatial, channels,
                                           problem.planes.out_stride[channel_dim], problem.planes.index_stride[channel_dim]);
        });
    } else {
        for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
            generic_plane<Reduction>(problem.input + at.in, problem.output + at.out, index != nullptr ? index + at.index : nullptr,
                                     spatial);
        });
    }
}

}  // namespace detail
}  // namespace apool
