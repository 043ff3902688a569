// apool: forward adaptive average and max pooling over 1, 2 and 3 spatial dims.
//
// The last `Spatial` dims of every view are spatial; each leading dim (zero or
// more: batch, channel, anything) indexes independent planes. Results equal
// PyTorch's adaptive_{avg,max}_pool{1,2,3}d: the same windows (apool::window_start,
// apool::window_end), the same max values and indices, and averages within a
// few ulp (the summation order differs).
//
// Each function takes an optional executor last (executor.hpp): a large call
// is then split into tasks that run on the executor's threads, with the same
// bytes written as without one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "detail/call_checks.hpp"
#include "detail/call_types.hpp"
#include "detail/forward_run.hpp"
#include "detail/reductions.hpp"
#include "detail/widened_reductions.hpp"
#include "detail/instances.hpp"
#include "detail/problem.hpp"
#include "detail/validate.hpp"
#include "detail/work_split.hpp"
#include "executor.hpp"
#include "strided_view.hpp"

namespace apool {
namespace detail {

/// Checks a forward call. Returns false (after reporting) when an argument is bad.
template <std::size_t Spatial, class T, class Out, class I, std::size_t Rank>
bool check_forward(const char* function, const strided_view<const T, Rank>& input, const strided_view<Out, Rank>& output,
                   const strided_view<I, Rank>* indices) {
    const view_info index_info = indices != nullptr ? info_of(*indices) : view_info{};
    return reported(forward_argument_errors(function, Spatial, info_of(input), info_of(output), indices != nullptr ? &index_info : nullptr,
                                            sizeof(I) * 8, static_cast<std::ptrdiff_t>(std::numeric_limits<I>::max())));
}

/// Plans a checked call at the planned rank and runs all of its work items,
/// as tasks of the executor where it has one.
template <class Reduction, std::size_t Spatial, class T, class I, std::size_t Rank, class Executor>
void plan_and_run_forward(const strided_view<const T, Rank>& input, const strided_view<typename Reduction::result, Rank>& output,
                          const strided_view<I, Rank>* indices, Executor& executor) {
    constexpr bool with_executor = names_executor<Executor>;
    constexpr std::size_t rank = planned_rank(Spatial, Rank);
    const auto plan = plan_forward<Reduction, Spatial>(pad_leading<rank>(input), pad_leading<rank>(output),
                                                       pad_leading<rank>(indices != nullptr ? indices->strides() : output.strides(), 0),
                                                       indices != nullptr, forward_kernel::automatic, with_executor);
    const T* const in = input.data();
    typename Reduction::result* const out = output.data();
    I* const index = indices != nullptr ? indices->data() : nullptr;
    run_tasks(executor, plan.split.tasks, plan.items,
              [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept { run_forward<Reduction>(plan, in, out, index, first, last); });
}

template <std::size_t Spatial, class T, class Out, std::size_t Rank, class Executor>
void avg_pool(const char* function, const strided_view<const T, Rank>& input, const strided_view<Out, Rank>& output, Executor& executor) {
    using no_indices = const strided_view<std::int64_t, Rank>*;
    if (!check_forward<Spatial>(function, input, output, no_indices(nullptr))) return;
    plan_and_run_forward<average_policy<T, Out>, Spatial>(input, output, no_indices(nullptr), executor);
}

template <std::size_t Spatial, class T, class Out, class I, std::size_t Rank, class Executor>
void max_pool(const char* function, const strided_view<const T, Rank>& input, const strided_view<Out, Rank>& output,
              const strided_view<I, Rank>* indices, Executor& executor) {
    if (!check_forward<Spatial>(function, input, output, indices)) return;
    plan_and_run_forward<maximum_policy<T, Out>, Spatial>(input, output, indices, executor);
}

}  // namespace detail

/// Adaptive average pooling over the last `Spatial` dims (rank-generic form of
/// adaptive_avg_pool{1,2,3}d).
template <std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<Spatial, Input, InputRank, T, Rank> = 0>
void adaptive_avg_pool(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool<Spatial>("adaptive_avg_pool", detail::read_only(input), output, executor);
}

/// Adaptive max pooling over the last `Spatial` dims, values only.
template <std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<Spatial, Input, InputRank, T, Rank> = 0>
void adaptive_max_pool(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<Spatial>("adaptive_max_pool", detail::read_only(input), output,
                                          static_cast<const strided_view<std::int64_t, Rank>*>(nullptr), executor);
}

/// Adaptive max pooling over the last `Spatial` dims, with the flat index of
/// each maximum inside its input plane (row-major over the spatial dims).
template <std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, class I, std::size_t IndexRank,
          class Executor = detail::no_executor,
          detail::if_forward_types<Spatial, Input, InputRank, T, Rank, I, IndexRank> = 0>
void adaptive_max_pool(strided_view<Input, InputRank> input, strided_view<T, Rank> output, strided_view<I, IndexRank> indices,
                       Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<Spatial>("adaptive_max_pool", detail::read_only(input), output, &indices, executor);
}

/// adaptive_avg_pool1d: the last dim is spatial.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<1, Input, InputRank, T, Rank> = 0>
void adaptive_avg_pool1d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool<1>("adaptive_avg_pool1d", detail::read_only(input), output, executor);
}

/// adaptive_avg_pool2d: the last two dims are spatial.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<2, Input, InputRank, T, Rank> = 0>
void adaptive_avg_pool2d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool<2>("adaptive_avg_pool2d", detail::read_only(input), output, executor);
}

/// adaptive_avg_pool3d: the last three dims are spatial.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<3, Input, InputRank, T, Rank> = 0>
void adaptive_avg_pool3d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool<3>("adaptive_avg_pool3d", detail::read_only(input), output, executor);
}

/// adaptive_max_pool1d, values only.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<1, Input, InputRank, T, Rank> = 0>
void adaptive_max_pool1d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<1>("adaptive_max_pool1d", detail::read_only(input), output,
                                          static_cast<const strided_view<std::int64_t, Rank>*>(nullptr), executor);
}

/// adaptive_max_pool2d, values only.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<2, Input, InputRank, T, Rank> = 0>
void adaptive_max_pool2d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<2>("adaptive_max_pool2d", detail::read_only(input), output,
                                          static_cast<const strided_view<std::int64_t, Rank>*>(nullptr), executor);
}

/// adaptive_max_pool3d, values only.
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class Executor = detail::no_executor,
          detail::if_executor<Executor> = 0, detail::if_forward_types<3, Input, InputRank, T, Rank> = 0>
void adaptive_max_pool3d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<3>("adaptive_max_pool3d", detail::read_only(input), output,
                                          static_cast<const strided_view<std::int64_t, Rank>*>(nullptr), executor);
}

/// adaptive_max_pool1d with indices (flat positions along the input's last dim).
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class I, std::size_t IndexRank,
          class Executor = detail::no_executor,
          detail::if_forward_types<1, Input, InputRank, T, Rank, I, IndexRank> = 0>
void adaptive_max_pool1d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, strided_view<I, IndexRank> indices,
                       Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<1>("adaptive_max_pool1d", detail::read_only(input), output, &indices, executor);
}

/// adaptive_max_pool2d with indices (ih * W + iw, as PyTorch returns them).
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class I, std::size_t IndexRank,
          class Executor = detail::no_executor,
          detail::if_forward_types<2, Input, InputRank, T, Rank, I, IndexRank> = 0>
void adaptive_max_pool2d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, strided_view<I, IndexRank> indices,
                       Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<2>("adaptive_max_pool2d", detail::read_only(input), output, &indices, executor);
}

/// adaptive_max_pool3d with indices (id * H * W + ih * W + iw).
template <class Input, std::size_t InputRank, class T, std::size_t Rank, class I, std::size_t IndexRank,
          class Executor = detail::no_executor,
          detail::if_forward_types<3, Input, InputRank, T, Rank, I, IndexRank> = 0>
void adaptive_max_pool3d(strided_view<Input, InputRank> input, strided_view<T, Rank> output, strided_view<I, IndexRank> indices,
                       Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::max_pool<3>("adaptive_max_pool3d", detail::read_only(input), output, &indices, executor);
}

// Any other arguments: each name's catch-all fails to compile with one
// message, naming the first wrong argument and how to fix it
// (detail/call_types.hpp). A valid call takes a precise overload above, which
// is more specialized.
template <std::size_t Spatial, class... Args>
void adaptive_avg_pool(Args&&...) {
    detail::reject_forward<Spatial, false, Args...>();
}
template <std::size_t Spatial, class... Args>
void adaptive_max_pool(Args&&...) {
    detail::reject_forward<Spatial, true, Args...>();
}
template <class... Args>
void adaptive_avg_pool1d(Args&&...) {
    detail::reject_forward<1, false, Args...>();
}
template <class... Args>
void adaptive_avg_pool2d(Args&&...) {
    detail::reject_forward<2, false, Args...>();
}
template <class... Args>
void adaptive_avg_pool3d(Args&&...) {
    detail::reject_forward<3, false, Args...>();
}
template <class... Args>
void adaptive_max_pool1d(Args&&...) {
    detail::reject_forward<1, true, Args...>();
}
template <class... Args>
void adaptive_max_pool2d(Args&&...) {
    detail::reject_forward<2, true, Args...>();
}
template <class... Args>
void adaptive_max_pool3d(Args&&...) {
    detail::reject_forward<3, true, Args...>();
}

}  // namespace apool
