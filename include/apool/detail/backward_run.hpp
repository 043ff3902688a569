// apool: running a backward plan (backward_plan.hpp) over any sub-range of
// its work items.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../simd.hpp"
#include "backward_channels_last.hpp"
#include "backward_gather.hpp"
#include "backward_kernels.hpp"
#include "backward_maximum.hpp"
#include "backward_plan.hpp"
#include "backward_share_rows.hpp"
#include "backward_tiles.hpp"
#include "element_types.hpp"
#include "walk.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

/// run_backward_planes for float and double.
template <class T, class I, std::size_t Spatial, std::size_t Rank>
void run_vector_backward(const backward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels,
                         const T* grad_output, const I* indices, T* grad_input, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const auto& problem = plan.problem;
    const auto& planes = problem.planes;
    const std::size_t dim = plan.vector_dim;
    const bool accumulate = plan.accumulate;
    switch (plan.kernel) {
        case backward_kernel::average_tiles:
            if constexpr (std::is_void<I>::value) {
                for_each_plane_group<width>(planes, dim, first, last, [&](const plane_offsets* group, std::ptrdiff_t grouped) {
                    average_backward_tiled_planes(grad_output, grad_input, spatial, group, grouped, plan.dense_outputs, accumulate);
                });
            }
            return;
        case backward_kernel::average_one_span:
            if constexpr (std::is_void<I>::value) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_backward_one_span_plane(grad_output + at.out, grad_input + at.in, spatial, accumulate);
                });
            }
            return;
        case backward_kernel::average_share_rows:
            if constexpr (std::is_void<I>::value) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_backward_share_rows_plane(grad_output + at.out, grad_input + at.in, spatial, plan.layers, 1, 0, accumulate);
                });
            }
            return;
        case backward_kernel::average_interleaved_share_rows:
            if constexpr (std::is_void<I>::value) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_backward_share_rows_plane(grad_output + at.out, grad_input + at.in, spatial, plan.layers, channels,
                                                      planes.out_stride[dim], accumulate);
                });
            }
            return;
        case backward_kernel::average_channels_last:
            if constexpr (std::is_void<I>::value) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_backward_channels_last_plane(grad_output + at.out, grad_input + at.in, spatial, channels,
                                                         planes.out_stride[dim], accumulate);
                });
            }
            return;
        case backward_kernel::average_generic:
            if constexpr (std::is_void<I>::value) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_backward_generic_plane(grad_output + at.out, grad_input + at.in, spatial, accumulate);
                });
            }
            return;
        case backward_kernel::maximum_dense_planes:
            if constexpr (!std::is_void<I>::value) {
                if (spatial.in_range[0].size() != spatial.in_extent[0]) {
                    // A part of one plane: the strided kernel scatters into its rows.
                    for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                        maximum_backward_planes(grad_output + at.out, indices + at.index, grad_input + at.in, spatial, plan.dense_scale, 1, 0,
                                                0, plan.zero_each_plane);
                    });
                    return;
                }
                maximum_backward_dense_planes(grad_output, indices, grad_input, spatial.plane_size(), problem.out_plane_size(),
                                              plan.zero_each_plane,
                                              [&](auto&& visit) { for_each_plane_run(planes, dim, first, last, visit); });
            }
            return;
        case backward_kernel::maximum_planes:
            if constexpr (!std::is_void<I>::value) {
                const bool by_channel = dim < Rank - Spatial;
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    maximum_backward_planes(grad_output + at.out, indices + at.index, grad_input + at.in, spatial, plan.dense_scale,
                                            by_channel ? channels : 1, by_channel ? planes.out_stride[dim] : 0,
                                            by_channel ? planes.index_stride[dim] : 0, plan.zero_each_plane);
                });
            }
            return;
        case backward_kernel::average_gather:
        case backward_kernel::maximum_gather:
        case backward_kernel::none:
        case backward_kernel::automatic:
            return;
    }
}

/// Runs the kernel of a plan over its planes (groups) `first` to `last` - 1,
/// each as far as `spatial`'s ranges and the `channels` from the pointers
/// reach.
template <class T, class I, std::size_t Spatial, std::size_t Rank>
void run_backward_planes(const backward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels,
                         const T* grad_output, const I* indices, T* grad_input, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    const auto& problem = plan.problem;
    const auto& planes = problem.planes;
    const std::size_t dim = plan.vector_dim;
    const bool accumulate = plan.accumulate;
    if constexpr (!is_float_or_double<T>) {
        if (plan.kernel == backward_kernel::none) return;  // nothing to scatter
        for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
            if constexpr (std::is_void<I>::value) {
                average_backward_gather_plane(grad_output + at.out, grad_input + at.in, spatial, accumulate);
            } else {
                maximum_backward_gather_plane(grad_output + at.out, indices + at.index, grad_input + at.in, spatial, accumulate);
            }
        });
    } else {
        run_vector_backward(plan, spatial, channels, grad_output, indices, grad_input, first, last);
    }
}

/// Runs work items `first` to `last` - 1 of a plan made by plan_backward for
/// the same views; `indices` is null for the average.
template <class T, class I, std::size_t Spatial, std::size_t Rank>
void run_backward(const backward_plan<Spatial, Rank>& plan, const T* grad_output, const I* indices, T* grad_input, std::ptrdiff_t first,
                  std::ptrdiff_t last) noexcept {
    const work_split& split = plan.split;
    const auto& planes = plan.problem.planes;
    const std::size_t dim = plan.vector_dim;
    run_parts(
        split, first, last,
        [&](std::ptrdiff_t first_item, std::ptrdiff_t last_item) {
            run_backward_planes(plan, plan.problem.spatial, split.channels, grad_output, indices, grad_input, first_item, last_item);
        },
        [&](const work_part& part) {
            spatial_layout<Spatial> spatial = plan.problem.spatial;
            spatial.in_range[0] = part_of(spatial.in_extent[0], part.spatial_part[0], split.spatial_parts[0]);
            if constexpr (std::is_void<I>::value) {  // the max reads every output: its indices may point anywhere in the plane
                spatial.out_range[0] = outputs_reaching(spatial.in_range[0], spatial.in_extent[0], spatial.out_extent[0]);
            }
            const std::ptrdiff_t channel = part.first_channel;
            const I* part_indices = indices;
            if constexpr (!std::is_void<I>::value) part_indices += channel * planes.index_stride[dim];
            run_backward_planes(plan, spatial, part.channels, grad_output + channel * planes.out_stride[dim], part_indices,
                                grad_input + channel * planes.in_stride[dim], part.plane_item, part.plane_item + 1);
        });
}

}  // namespace detail
}  // namespace apool
