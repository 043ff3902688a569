// apool: classifies the strides of a checked forward call once, then runs the
// kernel for that layout on every plane.
#pragma once

#include <array>
#include <cstddef>
#include <limits>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "forward_kernels.hpp"
#include "forward_narrow.hpp"
#include "forward_tiles.hpp"
#include "validate.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// The layouts of one pooling problem: "in" is the pooling input side (input,
/// or grad_input), "out" the output side (output, or grad_output), "index" the
/// indices (or any strides when there are none).
template <std::size_t Spatial, std::size_t Rank>
struct problem_layout {
    static constexpr std::size_t leading = Rank - Spatial;
    spatial_layout<Spatial> spatial;
    leading_layout<leading> planes;

    /// The first leading dim whose "in" stride is 1 (the channel dim of
    /// channels-last memory), or `leading` when there is none.
    std::size_t contiguous_leading_dim() const noexcept {
        for (std::size_t d = 0; d < leading; ++d) {
            if (planes.in_stride[d] == 1 && planes.extent[d] > 1) return d;
        }
        return leading;
    }

    /// Whether each plane is one contiguous block in scan order.
    bool plane_is_dense() const noexcept {
        for (std::size_t d = 0; d < Spatial; ++d) {
            if (spatial.in_stride[d] != spatial.flat_stride[d] && spatial.in_extent[d] > 1) return false;
        }
        return true;
    }

    /// Whether each output plane (and index plane, when `with_index`) is one
    /// contiguous block in row-major order.
    bool outputs_are_dense(bool with_index) const noexcept {
        std::ptrdiff_t flat = 1;
        for (std::size_t d = Spatial; d-- > 0;) {
            if (spatial.out_extent[d] > 1 &&
                (spatial.out_stride[d] != flat || (with_index && spatial.index_stride[d] != flat))) {
                return false;
            }
            flat *= spatial.out_extent[d];
        }
        return true;
    }

    /// Whether an output's window is its whole plane and the plane is one
    /// contiguous block in scan order (global pooling of a dense plane).
    bool plane_is_one_span() const noexcept {
        for (std::size_t d = 0; d < Spatial; ++d) {
            if (spatial.out_extent[d] != 1 || spatial.in_stride[d] != spatial.flat_stride[d]) return false;
        }
        return true;
    }

    std::ptrdiff_t out_plane_size() const noexcept {
        std::ptrdiff_t size = 1;
        for (std::size_t d = 0; d < Spatial; ++d) size *= spatial.out_extent[d];
        return size;
    }

    std::ptrdiff_t plane_count() const noexcept {
        std::ptrdiff_t count = 1;
        for (std::size_t d = 0; d < leading; ++d) count *= planes.extent[d];
        return count;
    }

    /// Whether the rows kernel suits: the innermost spatial dim is contiguous,
    /// and either long enough for vectors or there is no channel dim to use instead.
    bool rows_suit(std::ptrdiff_t vector_lanes) const noexcept {
        return spatial.in_stride[Spatial - 1] == 1 &&
               (spatial.in_extent[Spatial - 1] >= vector_lanes || contiguous_leading_dim() == leading);
    }

    /// Channels-last memory with fewer channels than `vector_lanes`, each
    /// position's channels right after the previous position's (an HWC image,
    /// whose every row is one contiguous run of W * C values): the channel
    /// count. 0 for any other layout.
    std::ptrdiff_t interleaved_channels(std::ptrdiff_t vector_lanes) const noexcept {
        const std::size_t channel_dim = contiguous_leading_dim();
        if (channel_dim == leading) return 0;
        const std::ptrdiff_t channels = planes.extent[channel_dim];
        return channels < vector_lanes && spatial.in_stride[Spatial - 1] == channels ? channels : 0;
    }
};

template <std::size_t Spatial, class In, class Out, std::size_t Rank>
problem_layout<Spatial, Rank> describe_problem(const strided_view<In, Rank>& in, const strided_view<Out, Rank>& out,
                                               const std::array<std::ptrdiff_t, Rank>& index_strides) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    problem_layout<Spatial, Rank> problem{};
    for (std::size_t d = 0; d < Spatial; ++d) {
        problem.spatial.in_extent[d] = in.extent(leading + d);
        problem.spatial.out_extent[d] = out.extent(leading + d);
        problem.spatial.in_stride[d] = in.stride(leading + d);
        problem.spatial.out_stride[d] = out.stride(leading + d);
        problem.spatial.index_stride[d] = index_strides[leading + d];
    }
    std::ptrdiff_t flat = 1;
    for (std::size_t d = Spatial; d-- > 0;) {
        problem.spatial.flat_stride[d] = flat;
        flat *= problem.spatial.in_extent[d];
    }
    for (std::size_t d = 0; d < leading; ++d) {
        problem.planes.extent[d] = in.extent(d);
        problem.planes.in_stride[d] = in.stride(d);
        problem.planes.out_stride[d] = out.stride(d);
        problem.planes.index_stride[d] = index_strides[d];
    }
    return problem;
}

/// Runs a forward reduction on checked arguments. `index` may be null.
template <class Reduction, std::size_t Spatial, class T, class I, std::size_t Rank>
void run_forward(const strided_view<const T, Rank>& input, const strided_view<T, Rank>& output, I* index,
                 const std::array<std::ptrdiff_t, Rank>& index_strides) noexcept {
    if (output.size() == 0) return;
    const auto problem = describe_problem<Spatial>(input, output, index_strides);
    constexpr std::size_t leading = Rank - Spatial;
    const auto& spatial = problem.spatial;
    const T* const in = input.data();
    T* const out = output.data();

    // Vector lanes carry flat indices in simd::index_bits_t<T>; larger planes
    // take the generic kernel, whose indices are std::ptrdiff_t.
    const bool vector_indices_fit =
        !Reduction::tracks_index ||
        spatial.plane_size() - 1 <= static_cast<std::ptrdiff_t>(std::numeric_limits<simd::index_bits_t<T>>::max());
    const std::size_t channel_dim = problem.contiguous_leading_dim();
    const bool use_rows = problem.rows_suit(simd::lanes<T>);

    // Global pooling of a dense plane is one contiguous reduction, which the
    // rows kernel does faster than a transpose: always for the average, and for
    // the max once the plane fills a vector (below that the span is a scalar
    // loop). Global max of 32 x 256 planes of 13 x 13 floats: 0.36 ms by tiles,
    // 0.13 ms by span (AVX-512; 0.49 -> 0.18 AVX2, 0.96 -> 0.34 SSE2).
    const bool global_average = !Reduction::tracks_index && problem.out_plane_size() == 1;
    const bool global_maximum_span =
        Reduction::tracks_index && problem.plane_is_one_span() && spatial.plane_size() >= simd::lanes<T>;
    if constexpr (simd::has_lane_permute<T> && !Reduction::tracks_index) {
        // Global average of small dense planes, a vector of planes at a time
        // (average_plane_run). From 16 vectors a plane the horizontal sum is a
        // small part of the work: 32 x 32 planes ran 5% slower grouped.
        if (global_average && problem.plane_is_one_span() && spatial.plane_size() >= simd::lanes<T> &&
            spatial.plane_size() < 16 * simd::lanes<T>) {
            if constexpr (leading == 0) {
                average_plane_run(in, 0, out, 0, 1, spatial.plane_size());
            } else {
                // Runs of planes along the longest leading dim.
                std::size_t run_dim = leading - 1;
                for (std::size_t d = 0; d < leading; ++d) {
                    if (problem.planes.extent[d] > problem.planes.extent[run_dim]) run_dim = d;
                }
                for_each_plane(problem.planes, run_dim, [&](const plane_offsets& at) {
                    average_plane_run(in + at.in, problem.planes.in_stride[run_dim], out + at.out, problem.planes.out_stride[run_dim],
                                      problem.planes.extent[run_dim], spatial.plane_size());
                });
            }
            return;
        }
        // Rows that fit in one vector are averaged without a transpose. Not the
        // max: its flat index per lane made spp_13_to_4 slower than the tiles
        // (0.66 -> 0.80 ms).
        const bool suits = narrow_rows_suit<T>(spatial) && !(global_average && problem.plane_is_one_span());
        const view_extent_check reach = suits ? measure(input) : view_extent_check{};
        if (suits && reach.highest_offset - reach.lowest_offset + 1 >= 2 * simd::lanes<T>) {
            const auto windows = make_row_windows<T>(spatial.in_extent[Spatial - 1], spatial.out_extent[Spatial - 1]);
            const std::ptrdiff_t last_whole_vector = reach.highest_offset + 1 - simd::lanes<T>;
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                average_narrow_rows_plane(in + at.in, out + at.out, spatial, windows, last_whole_vector - at.in);
            });
            return;
        }
    }
    if (vector_indices_fit && !global_average && !global_maximum_span && problem.plane_is_dense() &&
        tiles_suit<T>(spatial.plane_size(), problem.plane_count())) {
        constexpr std::ptrdiff_t width = simd::lanes<T>;
        const std::ptrdiff_t out_plane_size = problem.out_plane_size();
        const bool dense_outputs = problem.outputs_are_dense(Reduction::tracks_index && index != nullptr) &&
                                   out_plane_size >= width && out_plane_size <= tile_output_capacity<T>();
        plane_offsets group[width];
        std::ptrdiff_t grouped = 0;
        for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
            group[grouped++] = at;
            if (grouped == width) {
                tiled_planes<Reduction>(in, out, index, spatial, group, grouped, dense_outputs);
                grouped = 0;
            }
        });
        if (grouped > 0) tiled_planes<Reduction>(in, out, index, spatial, group, grouped, dense_outputs);
    } else if (vector_indices_fit && use_rows) {
        if (problem.plane_is_one_span()) {
            // Global pooling of a dense plane: one contiguous reduction per plane,
            // inline here, as a 7x7 plane costs little more than a call.
            const std::ptrdiff_t count = spatial.plane_size();
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                write_result<Reduction>(Reduction::span(in + at.in, count, 0), count, out + at.out,
                                        index != nullptr ? index + at.index : nullptr);
            });
        } else {
            for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
                rows_plane<Reduction>(in + at.in, out + at.out, index != nullptr ? index + at.index : nullptr, spatial, 1, 0, 0);
            });
        }
    } else if (const std::ptrdiff_t channels = problem.interleaved_channels(simd::lanes<T>); vector_indices_fit && channels > 0) {
        for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
            rows_plane<Reduction>(in + at.in, out + at.out, index != nullptr ? index + at.index : nullptr, spatial, channels,
                                  problem.planes.out_stride[channel_dim], problem.planes.index_stride[channel_dim]);
        });
    } else if (vector_indices_fit && channel_dim < leading && problem.planes.extent[channel_dim] >= simd::lanes<T>) {
        const std::ptrdiff_t channels = problem.planes.extent[channel_dim];
        const std::ptrdiff_t out_channel_stride = problem.planes.out_stride[channel_dim];
        const std::ptrdiff_t index_channel_stride = problem.planes.index_stride[channel_dim];
        if constexpr (!Reduction::tracks_index) {
            if (channels > 4 * simd::lanes<T>) {
                for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
                    average_channels_last_plane(in + at.in, out + at.out, spatial, channels, out_channel_stride);
                });
                return;
            }
        }
        for_each_plane(problem.planes, channel_dim, [&](const plane_offsets& at) {
            channels_last_plane<Reduction>(in + at.in, out + at.out, index != nullptr ? index + at.index : nullptr, spatial, channels,
                                           out_channel_stride, index_channel_stride);
        });
    } else {
        for_each_plane(problem.planes, leading, [&](const plane_offsets& at) {
            generic_plane<Reduction>(in + at.in, out + at.out, index != nullptr ? index + at.index : nullptr,
                                     spatial);
        });
    }
}

}  // namespace detail
}  // namespace apool
