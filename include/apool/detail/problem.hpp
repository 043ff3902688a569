// apool: one pooling problem as its kernels see it: the spatial dims and the
// leading dims (planes) of the "in" side (input, or grad_input), the "out"
// side (output, or grad_output) and the indices, in elements, with the
// questions a plan asks about their strides.
#pragma once

#include <array>
#include <cstddef>

#include "../strided_view.hpp"
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
    /// contiguous block in row-major order (dims of extent 1 aside).
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

    std::ptrdiff_t plane_count() const noexcept { return count_planes(planes, leading); }

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

/// One row of a plan's table of kernels: the kernel, whether it is correct
/// for the problem (`legal`), and whether the plan takes it when no earlier
/// row was taken (`chosen`).
template <class Kernel>
struct kernel_choice {
    Kernel kernel;
    bool legal;
    bool chosen;
};

/// The first legal row that is chosen, or with `wanted` other than
/// Kernel::automatic the legal row of that kernel; Kernel::none if none is.
template <class Kernel, std::size_t Rows>
Kernel take_kernel(const kernel_choice<Kernel> (&table)[Rows], Kernel wanted) noexcept {
    for (const kernel_choice<Kernel>& row : table) {
        if (row.legal && (wanted == Kernel::automatic ? row.chosen : row.kernel == wanted)) return row.kernel;
    }
    return Kernel::none;
}

/// The rank a call of `rank` dims, `spatial` of them spatial, is planned and
/// run at: Spatial + 2 at least (batch and channel dims), so that one
/// instantiation of a plan and its kernels serves NCHW, CHW and HW alike.
constexpr std::size_t planned_rank(std::size_t spatial, std::size_t rank) noexcept {
    return rank < spatial + 2 ? spatial + 2 : rank;
}

/// `values` behind To - Rank leading entries of `fill`.
template <std::size_t To, std::size_t Rank>
std::array<std::ptrdiff_t, To> pad_leading(const std::array<std::ptrdiff_t, Rank>& values, std::ptrdiff_t fill) noexcept {
    static_assert(To >= Rank, "pad_leading only adds dims");
    std::array<std::ptrdiff_t, To> padded{};
    for (std::size_t d = 0; d < To; ++d) padded[d] = d < To - Rank ? fill : values[d - (To - Rank)];
    return padded;
}

/// The view with leading dims of extent 1 (stride 0) added up to rank To: the
/// same elements, the same planes, and the same plan (an extent-1 dim is
/// never a channel dim nor longer than another).
template <std::size_t To, class T, std::size_t Rank>
strided_view<T, To> pad_leading(const strided_view<T, Rank>& view) noexcept {
    return {view.data(), pad_leading<To>(view.extents(), 1), pad_leading<To>(view.strides(), 0)};
}

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
        problem.spatial.out_range[d] = {0, problem.spatial.out_extent[d]};
        problem.spatial.in_range[d] = {0, problem.spatial.in_extent[d]};
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

}  // namespace detail
}  // namespace apool
