// apool: running a forward plan (forward_plan.hpp) over any sub-range of its
// work items.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "forward_channels_last.hpp"
#include "forward_kernels.hpp"
#include "forward_narrow.hpp"
#include "forward_plan.hpp"
#include "forward_plane_run.hpp"
#include "forward_rows.hpp"
#include "forward_staged.hpp"
#include "forward_tiles.hpp"
#include "walk.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

/// The rows kernels (rows, interleaved_rows) of a plan over its planes
/// `first` to `last` - 1, in lanes of the Reduction's accumulator.
template <class Reduction, class T, class Out, class I, std::size_t Spatial, std::size_t Rank>
void run_rows_kernel(const forward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels, const T* in,
                     Out out, I* index, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    using A = typename Reduction::accumulator;
    const auto& planes = plan.problem.planes;
    const std::size_t dim = plan.vector_dim;
    auto index_at = [&](const plane_offsets& at) { return index != nullptr ? index + at.index : nullptr; };
    // interleaved_rows: `channels` is the plane's full count, since the kernel
    // is not cut across channels.
    const bool interleaved = plan.kernel == forward_kernel::interleaved_rows;
    const std::ptrdiff_t interleave = interleaved ? channels : 1;
    interleaved_windows<A> tables{};
    if (plan.uniform_row_window > 0) tables = make_interleaved_windows<A>(plan.uniform_row_window, interleave);
    const interleaved_windows<A>* uniform = plan.uniform_row_window > 0 ? &tables : nullptr;
    for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
        rows_plane<Reduction>(in + at.in, out + at.out, index_at(at), spatial, interleave, interleaved ? planes.out_stride[dim] : 0,
                              interleaved ? planes.index_stride[dim] : 0, uniform);
    });
}

/// run(policy) with a value of the policy a kernel runs: the max's values
/// alone (values_only) where the call writes no indices, else Reduction.
template <class Reduction, class I, class Run>
void run_values_only_where_no_index(const I* index, Run&& run) noexcept {
    using values_policy = typename values_only<Reduction>::type;
    if constexpr (!std::is_void<values_policy>::value) {
        if (index == nullptr) {
            run(values_policy{});
            return;
        }
    }
    run(Reduction{});
}

/// run_forward_planes for the vector kernels: float and double, and the
/// narrower elements through their float_lanes policy (vectors of the
/// Reduction's accumulator A, widened as they load; narrow_rows reads whole
/// vectors of elements and is not for them).
template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_vector_kernel(const forward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels,
                       const T* in, output_of<Reduction> out, I* index, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    using A = typename Reduction::accumulator;
    constexpr std::size_t leading = Rank - Spatial;
    constexpr std::ptrdiff_t width = simd::lanes<A>;
    const auto& planes = plan.problem.planes;
    const std::size_t dim = plan.vector_dim;
    auto index_at = [&](const plane_offsets& at) { return index != nullptr ? index + at.index : nullptr; };
    switch (plan.kernel) {
        case forward_kernel::plane_run:
            // The average (float's own or a widened one), the max and the pair.
            if constexpr (simd::has_lane_permute<A>) {
                const std::ptrdiff_t count = spatial.plane_size();
                auto run = [&](const plane_offsets& at, std::ptrdiff_t in_stride, std::ptrdiff_t out_stride, std::ptrdiff_t index_stride,
                               std::ptrdiff_t run_planes) {
                    I* const run_index = index != nullptr ? index + at.index : nullptr;
                    if constexpr (is_pair<Reduction>) {
                        plane_run<A, true, typename Reduction::largest>(in + at.in, in_stride, out.average + at.out, out.maximum + at.out,
                                                                        out_stride, run_index, index_stride, run_planes, count);
                    } else if constexpr (Reduction::tracks_index) {
                        plane_run<A, false, Reduction>(in + at.in, in_stride, static_cast<output_of<Reduction>>(nullptr), out + at.out,
                                                       out_stride, run_index, index_stride, run_planes, count);
                    } else {
                        plane_run<A, true, void>(in + at.in, in_stride, out + at.out, static_cast<output_of<Reduction>>(nullptr), out_stride,
                                                 run_index, index_stride, run_planes, count);
                    }
                };
                if (dim == leading) {
                    run(plane_offsets{}, 0, 0, 0, 1);
                    return;
                }
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    run(at, planes.in_stride[dim], planes.out_stride[dim], planes.index_stride[dim], channels);
                });
            }
            return;
        case forward_kernel::narrow_rows:
            if constexpr (simd::has_lane_permute<A> && std::is_same<T, A>::value) {
                const auto windows = make_row_windows<T>(spatial.in_extent[Spatial - 1], spatial.out_extent[Spatial - 1]);
                for_each_plane_run(planes, dim, first, last, [&](plane_offsets at, std::ptrdiff_t count, const plane_offsets& step) {
                    for (; count > 0; count -= narrow_rows_block) {
                        narrow_rows_planes<Reduction>(in, out, index, at, std::min(count, narrow_rows_block), step, spatial, windows,
                                                      plan.last_whole_vector);
                        at.in += narrow_rows_block * step.in;
                        at.out += narrow_rows_block * step.out;
                        at.index += narrow_rows_block * step.index;
                    }
                });
            }
            return;
        case forward_kernel::tiles: {
            auto run = [&](auto lanes_policy) {
                for_each_plane_group<width>(planes, dim, first, last, [&](const plane_offsets* group, std::ptrdiff_t grouped) {
                    tiled_planes<decltype(lanes_policy)>(in, out, index, spatial, group, grouped, plan.dense_outputs);
                });
            };
            run_values_only_where_no_index<Reduction>(index, run);
            return;
        }
        case forward_kernel::span: {
            // Inline here: a 7x7 plane costs little more than a call.
            const std::ptrdiff_t count = spatial.plane_size();
            for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                write_result<Reduction>(Reduction::span(in + at.in, count, 0), count, out + at.out, index_at(at));
            });
            return;
        }
        case forward_kernel::rows:
        case forward_kernel::interleaved_rows:
            run_rows_kernel<Reduction>(plan, spatial, channels, in, out, index, first, last);
            return;
        case forward_kernel::channels_last_sums:
            if constexpr (is_average<Reduction>) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    average_channels_last_plane(in + at.in, out + at.out, spatial, channels, planes.out_stride[dim],
                                                plan.sums_in_memory_from);
                });
            }
            return;
        case forward_kernel::channels_last: {
            auto run = [&](auto lanes_policy) {
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    channels_last_plane<decltype(lanes_policy)>(in + at.in, out + at.out, index_at(at), spatial, channels,
                                                                planes.out_stride[dim], planes.index_stride[dim]);
                });
            };
            run_values_only_where_no_index<Reduction>(index, run);
            return;
        }
        case forward_kernel::generic:
            for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                generic_plane<Reduction>(in + at.in, out + at.out, index_at(at), spatial);
            });
            return;
        case forward_kernel::staged:
        case forward_kernel::staged_rows:
        case forward_kernel::byte_rows:
        case forward_kernel::none:
        case forward_kernel::automatic:
            return;
    }
}

template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_forward(const forward_plan<Spatial, Rank>& plan, const T* in, output_of<Reduction> out, I* index, std::ptrdiff_t first,
                 std::ptrdiff_t last) noexcept;

/// The staged kernel's groups `first` to `last` - 1: float's plan and kernels
/// pool each group's dense float planes (at rank Spatial + 2, where the
/// compiled library has them). Every group but the call's last has the same
/// float plan, made once.
template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_staged(const forward_plan<Spatial, Rank>& plan, const T* in, typename Reduction::result* out, I* index, std::ptrdiff_t first,
                std::ptrdiff_t last) noexcept {
    using float_reduction = typename Reduction::staged;
    const auto& spatial = plan.problem.spatial;
    const bool with_indices = index != nullptr;
    auto plan_floats = [&](std::ptrdiff_t count) {
        std::array<std::ptrdiff_t, Spatial + 2> in_extents{1, count}, out_extents{1, count};
        for (std::size_t d = 0; d < Spatial; ++d) {
            in_extents[2 + d] = spatial.in_extent[d];
            out_extents[2 + d] = spatial.out_extent[d];
        }
        const strided_view<const float, Spatial + 2> float_in(nullptr, in_extents);
        const strided_view<float, Spatial + 2> float_out(nullptr, out_extents);
        return plan_forward<float_reduction, Spatial>(float_in, float_out, float_out.strides(), with_indices);
    };
    const auto whole_group = plan_floats(plan.planes_per_item);
    const std::ptrdiff_t total = count_planes(plan.problem.planes, plan.vector_dim);
    for (std::ptrdiff_t item = first; item < last; ++item) {
        const std::ptrdiff_t first_plane = item * plan.planes_per_item;
        const std::ptrdiff_t count = total - first_plane < plan.planes_per_item ? total - first_plane : plan.planes_per_item;
        auto pool_floats = [&](const float* planes_in, float* planes_out, std::int32_t* indices) {
            const auto float_plan = count == plan.planes_per_item ? whole_group : plan_floats(count);
            if constexpr (float_reduction::tracks_index) {
                run_forward<float_reduction>(float_plan, planes_in, planes_out, indices, 0, float_plan.items);
            } else {
                run_forward<float_reduction>(float_plan, planes_in, planes_out, static_cast<std::int64_t*>(nullptr), 0, float_plan.items);
            }
        };
        staged_planes<Reduction>(plan.problem.planes, plan.vector_dim, spatial, in, out, index, first_plane, first_plane + count, pool_floats);
    }
}

/// The staged_rows kernel's groups `first` to `last` - 1, over the output rows
/// of `spatial`'s range. Consecutive stages mostly share one shape (the window
/// rows' sizes take one or two values along each dim, the pieces of a row one
/// size but the last): the float plan of the last shape is kept.
template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_staged_rows(const forward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, const T* in,
                     typename Reduction::result* out, I* index, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    using float_reduction = typename Reduction::staged;
    constexpr std::size_t rank = Spatial + 2;
    row_stage<Spatial> planned{};
    forward_plan<Spatial, rank> float_plan{};
    auto pool_floats = [&](const row_stage<Spatial>& stage, const float* stage_in, float* stage_out, std::int32_t* indices) {
        if (!(stage == planned) || float_plan.kernel == forward_kernel::none) {
            std::array<std::ptrdiff_t, rank> in_extents{1, stage.count}, out_extents{1, stage.count};
            for (std::size_t d = 0; d < Spatial; ++d) {
                in_extents[2 + d] = stage.box[d].size();
                out_extents[2 + d] = d + 1 < Spatial ? 1 : stage.out_columns;
            }
            std::array<std::ptrdiff_t, rank> in_strides = row_major_strides(in_extents), out_strides = row_major_strides(out_extents);
            if (stage.channels_last) {
                // The plane dim innermost: each position's planes are one run.
                std::ptrdiff_t in_step = stage.count, out_step = stage.count;
                for (std::size_t d = rank; d-- > 2;) {
                    in_strides[d] = in_step;
                    out_strides[d] = out_step;
                    in_step *= in_extents[d];
                    out_step *= out_extents[d];
                }
                in_strides[1] = out_strides[1] = 1;
            }
            float_plan = plan_forward<float_reduction, Spatial>(strided_view<const float, rank>(nullptr, in_extents, in_strides),
                                                               strided_view<float, rank>(nullptr, out_extents, out_strides), out_strides,
                                                               indices != nullptr);
            planned = stage;
        }
        if constexpr (float_reduction::tracks_index) {
            run_forward<float_reduction>(float_plan, stage_in, stage_out, indices, 0, float_plan.items);
        } else {
            run_forward<float_reduction>(float_plan, stage_in, stage_out, static_cast<std::int64_t*>(nullptr), 0, float_plan.items);
        }
    };
    const std::ptrdiff_t total = count_planes(plan.problem.planes, plan.vector_dim);
    for (std::ptrdiff_t item = first; item < last; ++item) {
        const std::ptrdiff_t first_plane = item * plan.planes_per_item;
        const std::ptrdiff_t count = total - first_plane < plan.planes_per_item ? total - first_plane : plan.planes_per_item;
        staged_rows<Reduction>(plan.problem.planes, plan.vector_dim, spatial, in, out, index, first_plane, first_plane + count,
                               plan.staged_columns, pool_floats);
    }
}

/// Runs the kernel of a plan over its planes (groups, runs) `first` to `last`
/// - 1, each as far as `spatial`'s ranges and the `channels` from `in`, `out`
/// and `index` reach.
template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_forward_planes(const forward_plan<Spatial, Rank>& plan, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels,
                        const T* in, output_of<Reduction> out, I* index, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    const auto& planes = plan.problem.planes;
    const std::size_t dim = plan.vector_dim;
    auto index_at = [&](const plane_offsets& at) { return index != nullptr ? index + at.index : nullptr; };
    if constexpr (!vector_reduction<Reduction>) {
        if constexpr (!std::is_same<typename Reduction::result, double>::value) {
            if (plan.kernel == forward_kernel::staged) {
                run_staged<Reduction>(plan, in, out, index, first, last);
                return;
            }
            if (plan.kernel == forward_kernel::staged_rows) {
                run_staged_rows<Reduction>(plan, spatial, in, out, index, first, last);
                return;
            }
        }
        if constexpr (has_float_lanes<Reduction>) {
            switch (plan.kernel) {
                case forward_kernel::plane_run:
                case forward_kernel::span:
                case forward_kernel::tiles:
                case forward_kernel::rows:
                case forward_kernel::interleaved_rows:
                case forward_kernel::channels_last:
                    run_vector_kernel<float_lanes_of<Reduction>>(plan, spatial, channels, in, out, index, first, last);
                    return;
                default:
                    break;
            }
        }
        if constexpr (is_byte_average<Reduction>) {
            if (plan.kernel == forward_kernel::byte_rows) {
                const bool interleaved = dim < Rank - Spatial;
                for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
                    byte_rows_plane(in + at.in, out + at.out, spatial, interleaved ? channels : 1, interleaved ? planes.out_stride[dim] : 0);
                });
                return;
            }
        }
        if (plan.kernel != forward_kernel::generic) return;  // none: nothing to compute
        for_each_plane(planes, dim, first, last, [&](const plane_offsets& at) {
            generic_plane<Reduction>(in + at.in, out + at.out, index_at(at), spatial);
        });
    } else {
        run_vector_kernel<Reduction>(plan, spatial, channels, in, out, index, first, last);
    }
}

/// Runs work items `first` to `last` - 1 of a plan made by plan_forward with
/// the same Reduction and views (for the pair: the average's plan, see
/// plan_pair in forward_several.hpp). `index` may be null.
template <class Reduction, class T, class I, std::size_t Spatial, std::size_t Rank>
void run_forward(const forward_plan<Spatial, Rank>& plan, const T* in, output_of<Reduction> out, I* index, std::ptrdiff_t first,
                 std::ptrdiff_t last) noexcept {
    const work_split& split = plan.split;
    const auto& planes = plan.problem.planes;
    const std::size_t dim = plan.vector_dim;
    run_parts(
        split, first, last,
        [&](std::ptrdiff_t first_item, std::ptrdiff_t last_item) {
            run_forward_planes<Reduction>(plan, plan.problem.spatial, split.channels, in, out, index, first_item, last_item);
        },
        [&](const work_part& part) {
            spatial_layout<Spatial> spatial = plan.problem.spatial;
            for (std::size_t d = 0; d < 2 && d < Spatial; ++d) {
                spatial.out_range[d] = part_of(spatial.out_extent[d], part.spatial_part[d], split.spatial_parts[d]);
            }
            run_forward_planes<Reduction>(plan, spatial, part.channels, in + part.first_channel * planes.in_stride[dim],
                                          out + part.first_channel * planes.out_stride[dim],
                                          index != nullptr ? index + part.first_channel * planes.index_stride[dim] : nullptr,
                                          part.plane_item, part.plane_item + 1);
        });
}

}  // namespace detail
}  // namespace apool
