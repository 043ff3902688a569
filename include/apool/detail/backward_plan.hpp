// apool: the plan of a backward call: which kernel scatters the gradient,
// with which parameters, over which work items. plan_backward is the table of
// apool's backward kernels: each one's name, what it needs to be correct
// (`legal`), and when it is the one chosen (the first legal kernel whose
// condition holds, in the order written). run_backward (backward_run.hpp)
// runs a plan over any sub-range of its work items; the plan's `zero_first`
// asks the caller to zero grad_input before any item runs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "backward_channels_last.hpp"
#include "backward_kernels.hpp"
#include "backward_maximum.hpp"
#include "backward_share_rows.hpp"
#include "backward_tiles.hpp"
#include "element_types.hpp"
#include "problem.hpp"
#include "walk.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

enum class backward_kernel {
    none,                            ///< no scatter: grad_output is empty (or a forced kernel is not legal)
    automatic,                       ///< for plan_backward's `wanted`: let the plan choose
    average_tiles,                   ///< a vector of small dense planes scattered in a tile, one plane per lane
    average_one_span,                ///< global average of a dense plane: one share for every element
    average_share_rows,              ///< contiguous rows: each output row's shares built once, added with vectors
    average_interleaved_share_rows,  ///< rows of W * C values (HWC): share rows holding every channel's shares
    average_channels_last,           ///< a contiguous leading dim: each window's shares for all channels, added as runs
    average_generic,                 ///< any strides, one element at a time
    maximum_dense_planes,            ///< contiguous planes: blocks of planes zeroed, then scattered into while in cache
    maximum_planes,                  ///< any strides: each index turned into an offset, planes of one channel run innermost
    average_gather,                  ///< 16-bit floats: each element gathers its shares in float, rounded once
    maximum_gather,                  ///< 16-bit floats: a plane's elements a chunk at a time, summed in float, rounded once
};

/// The kernel's name as the enum spells it.
constexpr const char* kernel_name(backward_kernel kernel) noexcept {
    switch (kernel) {
        case backward_kernel::none: return "none";
        case backward_kernel::automatic: return "automatic";
        case backward_kernel::average_tiles: return "average_tiles";
        case backward_kernel::average_one_span: return "average_one_span";
        case backward_kernel::average_share_rows: return "average_share_rows";
        case backward_kernel::average_interleaved_share_rows: return "average_interleaved_share_rows";
        case backward_kernel::average_channels_last: return "average_channels_last";
        case backward_kernel::average_generic: return "average_generic";
        case backward_kernel::maximum_dense_planes: return "maximum_dense_planes";
        case backward_kernel::maximum_planes: return "maximum_planes";
        case backward_kernel::average_gather: return "average_gather";
        case backward_kernel::maximum_gather: return "maximum_gather";
    }
    return "?";
}

/// Which kernel, its parameters, and its work items: planes, or groups of
/// planes (average_tiles).
template <std::size_t Spatial, std::size_t Rank>
struct backward_plan : planned_work<backward_kernel, Spatial, Rank> {
    bool accumulate = false;        ///< gradient_update::accumulate
    bool zero_first = false;        ///< grad_input is zeroed before the items run
    bool zero_each_plane = false;   ///< maximum kernels: each item zeroes its planes just before its scatter
    bool dense_outputs = false;     ///< average_tiles: each grad_output plane is one row-major block of a vector or more
    std::ptrdiff_t layers = 0;      ///< share-rows kernels: the most windows covering one column
    std::ptrdiff_t dense_scale = 0; ///< maximum_planes: a flat index times this is an offset (0: none such)
};

/// The lanes of the vectors the backward kernels of T run on (1 for the gather kernels).
template <class T>
constexpr std::ptrdiff_t backward_lanes() noexcept {
    if constexpr (is_float_or_double<T>) {
        return simd::lanes<T>;
    } else {
        return 1;
    }
}

/// Plans a checked backward call (Maximum: the max gradient, from indices).
/// `wanted` forces a kernel (tests); the plan's kernel is then `none` where
/// that kernel is not legal for the problem. `with_executor`: a large call is
/// split into tasks (see split_work).
template <bool Maximum, std::size_t Spatial, class T, std::size_t Rank>
backward_plan<Spatial, Rank> plan_backward(const strided_view<const T, Rank>& grad_output, const strided_view<T, Rank>& grad_input,
                                           const std::array<std::ptrdiff_t, Rank>& index_strides, bool accumulate,
                                           backward_kernel wanted = backward_kernel::automatic, bool with_executor = false) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    constexpr bool vector_kernels = is_float_or_double<T>;
    constexpr std::ptrdiff_t width = backward_lanes<T>();
    backward_plan<Spatial, Rank> plan;
    plan.accumulate = accumulate;
    if (grad_output.size() == 0) {
        // No window covers anything: the gradient is zero.
        plan.zero_first = !accumulate;
        return plan;
    }
    plan.problem = describe_problem<Spatial>(grad_input, grad_output, index_strides);
    const auto& problem = plan.problem;
    const auto& spatial = problem.spatial;
    const std::ptrdiff_t plane_size = spatial.plane_size();
    const std::ptrdiff_t out_plane_size = problem.out_plane_size();
    const std::size_t channel_dim = problem.contiguous_leading_dim();
    const std::ptrdiff_t channels = channel_dim < leading ? problem.planes.extent[channel_dim] : 0;
    const bool one_span = problem.plane_is_one_span();
    if constexpr (!vector_kernels) {
        // The 16-bit floats: the kernels that round each element once.
        const kernel_choice<backward_kernel> table[] = {{backward_kernel::average_gather, !Maximum, true},
                                                        {backward_kernel::maximum_gather, Maximum, true}};
        plan.kernel = take_kernel(table, wanted);
    } else {
        const bool rows_contiguous = spatial.in_stride[Spatial - 1] == 1;
        const std::ptrdiff_t interleaved = problem.interleaved_channels(width);
        // Only the share-rows kernels need the layer count: a walk over the windows.
        const bool share_rows_may_run = !Maximum && !one_span && (rows_contiguous || interleaved > 0);
        plan.layers = share_rows_may_run ? share_layers(spatial) : 0;
        // A plane whose strides are its row-major strides times one factor.
        plan.dense_scale = spatial.in_stride[Spatial - 1];
        for (std::size_t d = 0; d < Spatial; ++d) {
            if (spatial.in_extent[d] > 1 && spatial.in_stride[d] != spatial.flat_stride[d] * plan.dense_scale) plan.dense_scale = 0;
        }
        const bool tile_fits = problem.plane_is_dense() && backward_tile_holds<T>(plane_size, out_plane_size);

        // clang-format off
        const kernel_choice<backward_kernel> table[] = {
            // Rows shorter than two vectors leave the share rows mostly tails.
            {backward_kernel::average_tiles, !Maximum && tile_fits,
                                             problem.rows_suit(width) && !one_span && channel_dim == leading &&
                                             problem.plane_count() >= width && spatial.in_extent[Spatial - 1] < 2 * width},
            {backward_kernel::average_one_span, !Maximum && one_span,
                                                problem.rows_suit(width)},
            {backward_kernel::average_share_rows, !Maximum && !one_span && rows_contiguous && share_rows_suit<T>(plan.layers),
                                                  problem.rows_suit(width)},
            {backward_kernel::average_generic, !Maximum,
                                               problem.rows_suit(width)},
            {backward_kernel::average_interleaved_share_rows, !Maximum && interleaved > 0 && share_rows_suit<T>(plan.layers),
                                                              true},
            {backward_kernel::average_channels_last, !Maximum && channels > 0,
                                                     true},
            {backward_kernel::average_generic, !Maximum,
                                               true},
            {backward_kernel::maximum_dense_planes, Maximum && plan.dense_scale == 1 && problem.outputs_are_dense(true),
                                                    channel_dim == leading},
            {backward_kernel::maximum_planes, Maximum,
                                              true},
        };
        // clang-format on
        plan.kernel = take_kernel(table, wanted);
    }

    switch (plan.kernel) {
        case backward_kernel::average_tiles:
            plan.planes_per_item = width;
            plan.dense_outputs = problem.outputs_are_dense(true) && out_plane_size >= width;
            break;
        case backward_kernel::average_interleaved_share_rows:
        case backward_kernel::average_channels_last:
            plan.vector_dim = channel_dim;
            break;
        case backward_kernel::maximum_planes: {
            // Large planes are zeroed just before their scatter, while they stay
            // in cache; below that size the per-plane call costs more than it saves.
            constexpr std::ptrdiff_t zero_each_plane_from = 4096;
            plan.vector_dim = channel_dim;
            plan.zero_each_plane = !accumulate && plane_size * (channels > 0 ? channels : 1) >= zero_each_plane_from;
            plan.zero_first = !accumulate && !plan.zero_each_plane;
            break;
        }
        case backward_kernel::maximum_dense_planes:
            plan.zero_each_plane = !accumulate;
            break;
        default:
            break;
    }
    if (plan.kernel == backward_kernel::none) return plan;

    // What a work item may be cut into, where the planes are too few for the
    // tasks: the channel dim in blocks of whole vectors, and grad_input's
    // spatial dim 0 into parts of rows (a part receives, in the outputs'
    // order, the shares of every output whose window reaches into it; for the
    // max, of every output whose index lies in it, which may be any output of
    // the plane, so each part reads all of the plane's outputs, and the rows
    // are cut into at most as many parts as make all parts together read no
    // more outputs than the plane has elements). Each grad_input element then belongs to one item,
    // and its arithmetic is that of the uncut call. The share-rows kernels
    // build each share row along the last dim, which stays whole; the global
    // and tiled kernels have nothing to cut.
    const std::ptrdiff_t plane_items = (count_planes(problem.planes, plan.vector_dim) + plan.planes_per_item - 1) / plan.planes_per_item;
    bool cut_channels = false;
    bool cut_rows = false;
    switch (plan.kernel) {
        case backward_kernel::average_share_rows:
        case backward_kernel::average_interleaved_share_rows: cut_rows = Spatial > 1; break;
        case backward_kernel::average_channels_last:
        case backward_kernel::maximum_planes: cut_channels = true; cut_rows = true; break;
        case backward_kernel::average_generic:
        case backward_kernel::maximum_dense_planes:
        case backward_kernel::average_gather:
        case backward_kernel::maximum_gather: cut_rows = true; break;
        default: break;
    }
    std::ptrdiff_t row_parts = cut_rows ? spatial.in_extent[0] : 0;
    if (Maximum) row_parts = std::min(row_parts, plane_size / problem.out_plane_size());
    plan.split = split_work(plane_size * problem.plane_count(), plane_items, with_executor, problem.planes.extent[plan.vector_dim],
                            cut_channels, width, {row_parts, 0});
    plan.items = plan.split.items();
    return plan;
}

}  // namespace detail
}  // namespace apool
