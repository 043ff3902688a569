// apool: the forward calls that write several results of one input (avg and
// max together, a pyramid of output sizes). The average and the max of one
// input run in one walk where the average's kernel can carry the max
// (plan_pair), and a channels-last average pyramid in one walk over the
// input (run_pyramid_walk). Otherwise each result has the plan its own call
// would have, so it gets the same bytes; the plans run in steps of
// about APOOL_SHARED_READ_BYTES of input, each step every plan's share of
// its work items in turn, so that the input comes from memory once and from
// cache for the other results. Every plan numbers its work items in the
// order of the input's planes, so the same share of each covers about the
// same input.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <tuple>
#include <type_traits>

#include "../config.hpp"
#include "../executor.hpp"
#include "../strided_view.hpp"
#include "forward_plan.hpp"
#include "forward_pyramid_channels_last.hpp"
#include "forward_run.hpp"
#include "pair_reduction.hpp"
#include "problem.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

constexpr std::ptrdiff_t shared_read_bytes = APOOL_SHARED_READ_BYTES;

/// One result of a call with several: its plan at the planned rank, and
/// where it writes (`index` null where no indices are written).
template <class Reduction, std::size_t Spatial, std::size_t Rank, class I>
struct forward_pass {
    forward_plan<Spatial, Rank> plan{};
    typename Reduction::result* out = nullptr;
    I* index = nullptr;

    /// Runs step `step` of `steps`: its share of the plan's work items.
    template <class T>
    void run_step(const T* in, std::ptrdiff_t step, std::ptrdiff_t steps) const noexcept {
        run_forward<Reduction>(plan, in, out, index, step * plan.items / steps, (step + 1) * plan.items / steps);
    }
};

/// The pass of one checked result, planned as its own call would be (with the
/// call's executor or without), so that each result runs its kernel at the
/// blocking it is fastest at alone. `wanted` forces a kernel (tests).
template <class Reduction, std::size_t Spatial, class T, std::size_t Rank, class I>
forward_pass<Reduction, Spatial, planned_rank(Spatial, Rank), I> plan_pass(const strided_view<const T, Rank>& input,
                                                                           const strided_view<typename Reduction::result, Rank>& output,
                                                                           const strided_view<I, Rank>* indices, bool with_executor,
                                                                           forward_kernel wanted = forward_kernel::automatic) noexcept {
    constexpr std::size_t rank = planned_rank(Spatial, Rank);
    forward_pass<Reduction, Spatial, rank, I> pass;
    pass.plan = plan_forward<Reduction, Spatial>(pad_leading<rank>(input), pad_leading<rank>(output),
                                                 pad_leading<rank>(indices != nullptr ? indices->strides() : output.strides(), 0),
                                                 indices != nullptr, wanted, with_executor);
    pass.out = output.data();
    pass.index = indices != nullptr ? indices->data() : nullptr;
    return pass;
}

/// The plan of the average and the max of one input in one walk
/// (average_and_maximum): the average's own plan, where its kernel can carry
/// the max too, so that the average gets its own call's bytes (and the max
/// the one answer every kernel gives; the plane runs read each plane once for
/// both, and carry its positions as T). Its kernel is `none`
/// where the pair does not run: outputs laid out differently (the pair locates
/// both at one offset), or a plane whose indices the vector lanes do not hold.
/// The channels-last average with running sums in memory sums in the register
/// kernel's order: the pair takes the register kernel. The narrow rows' average
/// sums in the tiles' order: the pair takes the tiles there.
template <std::size_t Spatial, class T, std::size_t Rank, class I>
forward_plan<Spatial, planned_rank(Spatial, Rank)> plan_pair(const strided_view<const T, Rank>& input,
                                                             const strided_view<T, Rank>& avg_output,
                                                             const strided_view<T, Rank>& max_output, const strided_view<I, Rank>* indices,
                                                             bool with_executor, forward_kernel wanted = forward_kernel::automatic) noexcept {
    using pair = average_and_maximum<T>;
    constexpr std::size_t rank = planned_rank(Spatial, Rank);
    forward_plan<Spatial, rank> plan{};
    if (avg_output.extents() != max_output.extents() || avg_output.strides() != max_output.strides()) return plan;
    auto plan_average = [&](forward_kernel kernel) {
        return plan_forward<typename pair::sum, Spatial>(pad_leading<rank>(input), pad_leading<rank>(avg_output),
                                                         pad_leading<rank>(indices != nullptr ? indices->strides() : avg_output.strides(), 0),
                                                         false, kernel, with_executor);
    };
    plan = plan_average(wanted);
    // The narrow rows' average adds in the tiles' order: where the average
    // takes them over a vector of planes or more, the pair takes the tiles,
    // which carry the max for less than the narrow rows' permutes of it.
    if (plan.kernel == forward_kernel::narrow_rows && wanted == forward_kernel::automatic &&
        plan.problem.plane_count() >= simd::lanes<T>) {
        const auto tiled = plan_average(forward_kernel::tiles);
        if (tiled.kernel == forward_kernel::tiles) plan = tiled;
    }
    const bool indices_fit = plan.problem.spatial.plane_size() - 1 <=
                             static_cast<std::ptrdiff_t>(std::numeric_limits<typename pair::index_lane>::max());
    switch (plan.kernel) {
        case forward_kernel::channels_last_sums: plan.kernel = forward_kernel::channels_last; break;
        case forward_kernel::narrow_rows:
            // Windows of up to two columns along the row: wider ones make the
            // max's merge by lane permutes cost more than the max's own tiles
            // in lockstep beside the average.
            if (2 * plan.problem.spatial.out_extent[Spatial - 1] < plan.problem.spatial.in_extent[Spatial - 1]) {
                plan.kernel = forward_kernel::none;
            }
            break;
        case forward_kernel::tiles:
            // The average's plan wrote no indices: its outputs through the
            // tiles must also hold the indices' layout.
            plan.dense_outputs = plan.dense_outputs && plan.problem.outputs_are_dense(indices != nullptr);
            break;
        case forward_kernel::plane_run:
            if (plan.problem.spatial.plane_size() > maximum<T>::exact_positions) plan.kernel = forward_kernel::none;
            break;
        case forward_kernel::span:
        case forward_kernel::rows:
        case forward_kernel::interleaved_rows:
        case forward_kernel::channels_last:
        case forward_kernel::generic: break;
        default: plan.kernel = forward_kernel::none; break;
    }
    if (!indices_fit) plan.kernel = forward_kernel::none;
    return plan;
}

/// Runs every pass that `each_pass(visit)` visits (in the order visited) in
/// lockstep over `input_bytes` of input: one step's share of each pass, then
/// the next step; the steps dealt into tasks where the call has an executor.
template <class T, class Executor, class EachPass>
void run_in_lockstep(Executor& executor, const T* in, std::ptrdiff_t input_bytes, const EachPass& each_pass) {
    constexpr bool with_executor = names_executor<Executor>;
    std::ptrdiff_t most_items = 0;
    std::ptrdiff_t most_tasks = 1;
    each_pass([&](const auto& pass) {
        if (pass.plan.items > most_items) most_items = pass.plan.items;
        if (pass.plan.split.tasks > most_tasks) most_tasks = pass.plan.split.tasks;
    });
    if (most_items == 0) return;
    std::ptrdiff_t steps = input_bytes / shared_read_bytes;
    steps = steps < 1 ? 1 : (steps > most_items ? most_items : steps);
    const std::ptrdiff_t tasks = !with_executor ? 1 : (most_tasks < steps ? most_tasks : steps);
    run_tasks(executor, tasks, steps, [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
        for (std::ptrdiff_t step = first; step < last; ++step) {
            each_pass([&](const auto& pass) { pass.run_step(in, step, steps); });
        }
    });
}

/// Whether the passes of an average pyramid run as one walk over the input
/// (forward_pyramid_channels_last.hpp): two levels or more, each planned as the
/// channels-last kernel (with sums in memory or not: the same sums) across the
/// input's contiguous channels, into an output whose channels are contiguous
/// too (the walk keeps its running sums there).
template <class Pass>
bool pyramid_walk_suits(const Pass* passes, std::size_t levels) noexcept {
    if (levels < 2) return false;
    for (std::size_t k = 0; k < levels; ++k) {
        const auto& plan = passes[k].plan;
        const bool channels_last = plan.kernel == forward_kernel::channels_last || plan.kernel == forward_kernel::channels_last_sums;
        if (!channels_last || plan.vector_dim != passes[0].plan.vector_dim || plan.problem.planes.out_stride[plan.vector_dim] != 1) {
            return false;
        }
    }
    return true;
}

/// Runs an average pyramid that pyramid_walk_suits as one walk: work items
/// are the images (the planes of every leading dim but the channels), each
/// cut into parts of whole chunks of channels where the executor has more
/// tasks than images; every channel's sums are the same in any part.
template <class T, class Pass, class Executor>
void run_pyramid_walk(Executor& executor, const T* in, const Pass* passes, std::size_t levels) {
    constexpr std::size_t spatial_dims = std::tuple_size<decltype(passes[0].plan.problem.spatial.in_extent)>::value;
    constexpr std::ptrdiff_t chunk = pyramid_chunk_vectors * simd::lanes<T>;
    const auto& planes = passes[0].plan.problem.planes;
    const std::size_t dim = passes[0].plan.vector_dim;
    const std::ptrdiff_t images = count_planes(planes, dim);
    const std::ptrdiff_t channels = planes.extent[dim];
    const std::ptrdiff_t chunks = (channels + chunk - 1) / chunk;
    std::ptrdiff_t most_tasks = 1;
    for (std::size_t k = 0; k < levels; ++k) most_tasks = std::max(most_tasks, passes[k].plan.split.tasks);
    const std::ptrdiff_t parts = most_tasks > images ? std::min(chunks, (most_tasks + images - 1) / images) : 1;
    const std::ptrdiff_t items = images * parts;
    run_tasks(executor, std::min(most_tasks, items), items, [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
        pyramid_level<T, spatial_dims> walked[most_results];
        for (std::ptrdiff_t item = first; item < last; ++item) {
            const std::ptrdiff_t image = item / parts;
            const window part = part_of(chunks, item % parts, parts);
            const T* image_in = in;
            for (std::size_t k = 0; k < levels; ++k) {
                const auto& plan = passes[k].plan;
                for_each_plane(plan.problem.planes, dim, image, image + 1, [&](const plane_offsets& at) {
                    walked[k] = {&plan.problem.spatial, passes[k].out + at.out};
                    image_in = in + at.in;
                });
            }
            average_pyramid_channels_last_image(image_in, walked, levels, part.start * chunk, std::min(part.end * chunk, channels));
        }
    });
}

/// The bytes a view's elements take, as the steps count input.
template <class T, std::size_t Rank>
std::ptrdiff_t bytes_in(const strided_view<T, Rank>& view) noexcept {
    return view.size() * static_cast<std::ptrdiff_t>(sizeof(T));
}

}  // namespace detail
}  // namespace apool
