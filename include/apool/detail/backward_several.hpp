// apool: the gradients of the calls that write several results of one input
// (avg and max together, a pyramid): each result's gradient planned as its
// own backward call, all added into one grad_input, the first with the
// call's gradient_update and the others accumulated, in that order.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../executor.hpp"
#include "backward_plan.hpp"
#include "backward_run.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

/// One gradient of a call with several: its plan, and what it reads (`index`
/// of type const void for the average's).
template <std::size_t Spatial, std::size_t Rank, class T, class I>
struct backward_pass {
    backward_plan<Spatial, Rank> plan{};
    const T* grads = nullptr;
    const I* index = nullptr;

    void run(T* receiver, std::ptrdiff_t first, std::ptrdiff_t last) const noexcept {
        run_backward(plan, grads, index, receiver, first, last);
    }
};

/// Whether two plans cut grad_input into the same work items, item i the
/// same block of grad_input in both: the same planes per item, and the same
/// blocks of each plane where they cut planes.
template <std::size_t Spatial, std::size_t Rank>
bool same_items(const backward_plan<Spatial, Rank>& a, const backward_plan<Spatial, Rank>& b) noexcept {
    const work_split& x = a.split;
    const work_split& y = b.split;
    const bool same_blocks = (!x.cuts_planes() && !y.cuts_planes()) ||
                             (x.channel_block == y.channel_block && x.channel_blocks == y.channel_blocks &&
                              x.spatial_parts == y.spatial_parts && a.problem.spatial.out_extent == b.problem.spatial.out_extent);
    return a.items == b.items && a.vector_dim == b.vector_dim && a.planes_per_item == b.planes_per_item && same_blocks;
}

/// Runs the passes that `each_pass(visit)` visits into `receiver`, in the
/// order visited, after the caller has zeroed grad_input where the first
/// pass's plan asks. Where every pass cuts grad_input into the first's items,
/// item by item: each block gets every pass's gradient while in cache; else
/// one pass after the other. Tasks of the executor where the call has one.
template <bool WithExecutor, class Executor, class T, class First, class EachPass>
void run_backward_passes(Executor& executor, T* receiver, const First& first_pass, const EachPass& each_pass) {
    bool item_by_item = true;
    each_pass([&](const auto& pass) { item_by_item = item_by_item && same_items(first_pass.plan, pass.plan); });
    auto tasks_of = [](const auto& plan) { return WithExecutor ? plan.split.tasks : std::ptrdiff_t(1); };
    if (item_by_item) {
        run_tasks(executor, tasks_of(first_pass.plan), first_pass.plan.items, [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
            for (std::ptrdiff_t item = first; item < last; ++item) {
                each_pass([&](const auto& pass) { pass.run(receiver, item, item + 1); });
            }
        });
        return;
    }
    each_pass([&](const auto& pass) {
        run_tasks(executor, tasks_of(pass.plan), pass.plan.items,
                  [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept { pass.run(receiver, first, last); });
    });
}

/// The pass of one checked gradient, planned at the planned rank; the plan
/// cuts large calls into work items as for an executor either way.
template <bool Maximum, std::size_t Spatial, class T, class I, std::size_t Rank>
backward_pass<Spatial, planned_rank(Spatial, Rank), T, I> plan_backward_pass(const strided_view<const T, Rank>& grads, const I* index,
                                                                             const std::array<std::ptrdiff_t, Rank>& index_strides,
                                                                             const strided_view<T, Rank>& grad_input,
                                                                             bool accumulate) noexcept {
    constexpr std::size_t rank = planned_rank(Spatial, Rank);
    backward_pass<Spatial, rank, T, I> pass;
    pass.plan = plan_backward<Maximum, Spatial>(pad_leading<rank>(grads), pad_leading<rank>(grad_input), pad_leading<rank>(index_strides, 0),
                                                accumulate, backward_kernel::automatic, true);
    pass.grads = grads.data();
    pass.index = index;
    return pass;
}

}  // namespace detail
}  // namespace apool
