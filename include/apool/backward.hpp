// apool: gradients of adaptive average and max pooling over 1, 2 and 3 spatial dims.
//
// grad_input has the pooling input's extents, grad_output (and indices) the
// pooling output's. Views, layouts, index types and the rule for leading dims
// are those of the forward functions; the element type is float, double,
// apool::bfloat16 or apool::float16, the same for both gradients.
//
// For bfloat16 and float16 every grad_input element sums its contributions
// in float and is rounded once (with gradient_update::accumulate, onto its
// current value converted to float). For float and double, every grad_input
// element receives its contributions in row-major order of
// the outputs, so the result has the same bits for every layout. With
// gradient_update::overwrite (the default) grad_input is zeroed first; the avg
// gradient then equals PyTorch's contiguous kernel bit for bit. With
// gradient_update::accumulate the contributions are added onto grad_input's
// current values one by one, with no temporary: where an input element gets
// more than one contribution (overlapping windows, or several maxima at one
// position) the sum may round differently from PyTorch's `grad += new_grad`,
// which adds the finished gradient once.
//
// Each function takes an optional executor last (executor.hpp), after the
// gradient_update or in its place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "detail/backward_run.hpp"
#include "detail/call_checks.hpp"
#include "detail/call_types.hpp"
#include "detail/instances.hpp"
#include "detail/problem.hpp"
#include "detail/validate.hpp"
#include "detail/work_split.hpp"
#include "executor.hpp"
#include "strided_view.hpp"

namespace apool {

/// What a backward call does with grad_input's current contents.
enum class gradient_update {
    overwrite,   ///< grad_input = gradient
    accumulate,  ///< grad_input += gradient (training-loop accumulation)
};

namespace detail {

/// Checks a backward call. Returns false (after reporting) when an argument
/// is bad. Messages call grad_output `grad_output_name`.
template <std::size_t Spatial, class T, class I, std::size_t Rank>
bool check_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<T, Rank>& grad_input,
                    const strided_view<const I, Rank>* indices, const char* grad_output_name = "grad_output") {
    const view_info index_info = indices != nullptr ? info_of(*indices) : view_info{};
    std::string message = backward_argument_errors(function, Spatial, info_of(grad_output), info_of(grad_input),
                                                   indices != nullptr ? &index_info : nullptr, grad_output_name);
    if (message.empty() && indices != nullptr) {
        // Extents are non-negative now; a plane too large to count can only
        // belong to an empty grad_input, whose indices are empty too.
        message = indices_outside_plane(function, *indices, argument_checker::plane_size(info_of(grad_input), Spatial));
    }
    return reported(message);
}

/// Plans a checked call, zeroes grad_input where the plan asks, and runs all
/// of its work items at the planned rank, as tasks of the executor where it
/// has one. `indices` is null for the average.
template <bool Maximum, std::size_t Spatial, class T, class I, std::size_t Rank, class Executor>
void plan_and_run_backward(const strided_view<const T, Rank>& grad_output, const strided_view<const I, Rank>* indices,
                           const strided_view<T, Rank>& grad_input, gradient_update update, Executor& executor) {
    constexpr bool with_executor = names_executor<Executor>;
    constexpr std::size_t rank = planned_rank(Spatial, Rank);
    const auto padded_grad_input = pad_leading<rank>(grad_input);
    const auto plan = plan_backward<Maximum, Spatial>(pad_leading<rank>(grad_output), padded_grad_input,
                                                      pad_leading<rank>(indices != nullptr ? indices->strides() : grad_output.strides(), 0),
                                                      update == gradient_update::accumulate, backward_kernel::automatic, with_executor);
    if (plan.zero_first) zero_view(padded_grad_input);
    using index_type = std::conditional_t<Maximum, const I, const void>;
    index_type* const index_data = indices != nullptr ? indices->data() : nullptr;
    const T* const grads = grad_output.data();
    T* const receiver = grad_input.data();
    run_tasks(executor, plan.split.tasks, plan.items,
              [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept { run_backward(plan, grads, index_data, receiver, first, last); });
}

template <std::size_t Spatial, class T, std::size_t Rank, class Executor>
void avg_pool_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<T, Rank>& grad_input,
                       gradient_update update, Executor& executor) {
    using no_indices = const strided_view<const std::int64_t, Rank>*;
    if (!check_backward<Spatial, T, std::int64_t>(function, grad_output, grad_input, no_indices(nullptr))) return;
    plan_and_run_backward<false, Spatial>(grad_output, no_indices(nullptr), grad_input, update, executor);
}

template <std::size_t Spatial, class T, class I, std::size_t Rank, class Executor>
void max_pool_backward(const char* function, const strided_view<const T, Rank>& grad_output, const strided_view<const I, Rank>& indices,
                       const strided_view<T, Rank>& grad_input, gradient_update update, Executor& executor) {
    if (!check_backward<Spatial, T, I>(function, grad_output, grad_input, &indices)) return;
    plan_and_run_backward<true, Spatial>(grad_output, &indices, grad_input, update, executor);
}

}  // namespace detail

/// Gradient of adaptive average pooling over the last `Spatial` dims
/// (rank-generic form of adaptive_avg_pool{1,2,3}d_backward).
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool_backward<Spatial, T>("adaptive_avg_pool_backward", strided_view<const T, Rank>(grad_output), grad_input, update, executor);
}

/// adaptive_avg_pool_backward with the default gradient_update::overwrite and an executor.
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_avg_pool_backward<Spatial>(grad_output, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive max pooling over the last `Spatial` dims, from the
/// indices the forward pass returned.
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor = detail::no_executor,
          detail::if_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    detail::check_executor<Executor>();
    detail::max_pool_backward<Spatial, T, I>("adaptive_max_pool_backward", strided_view<const T, Rank>(grad_output),
                                             strided_view<const I, Rank>(indices), grad_input, update, executor);
}

/// adaptive_max_pool_backward with the default gradient_update::overwrite and an executor.
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<Spatial, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_max_pool_backward<Spatial>(grad_output, indices, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_avg_pool1d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<1, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool_backward<1, T>("adaptive_avg_pool1d_backward", strided_view<const T, Rank>(grad_output), grad_input, update, executor);
}

/// adaptive_avg_pool1d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<1, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_avg_pool1d_backward(grad_output, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_avg_pool2d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<2, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool_backward<2, T>("adaptive_avg_pool2d_backward", strided_view<const T, Rank>(grad_output), grad_input, update, executor);
}

/// adaptive_avg_pool2d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<2, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_avg_pool2d_backward(grad_output, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_avg_pool3d.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<3, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input,
                                  gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    detail::check_executor<Executor>();
    detail::avg_pool_backward<3, T>("adaptive_avg_pool3d_backward", strided_view<const T, Rank>(grad_output), grad_input, update, executor);
}

/// adaptive_avg_pool3d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<3, GradOutput, GradOutputRank, T, Rank> = 0>
void adaptive_avg_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_avg_pool3d_backward(grad_output, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_max_pool1d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<1, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    detail::check_executor<Executor>();
    detail::max_pool_backward<1, T, I>("adaptive_max_pool1d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update, executor);
}

/// adaptive_max_pool1d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<1, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool1d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_max_pool1d_backward(grad_output, indices, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_max_pool2d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<2, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    detail::check_executor<Executor>();
    detail::max_pool_backward<2, T, I>("adaptive_max_pool2d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update, executor);
}

/// adaptive_max_pool2d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<2, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool2d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_max_pool2d_backward(grad_output, indices, grad_input, gradient_update::overwrite, executor);
}

/// Gradient of adaptive_max_pool3d.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor = detail::no_executor, detail::if_backward_types<3, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    detail::check_executor<Executor>();
    detail::max_pool_backward<3, T, I>("adaptive_max_pool3d_backward", strided_view<const T, Rank>(grad_output),
                                       strided_view<const I, Rank>(indices), grad_input, update, executor);
}

/// adaptive_max_pool3d_backward with the default gradient_update::overwrite and an executor.
template <class GradOutput, std::size_t GradOutputRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor, detail::if_executor<Executor> = 0,
          detail::if_backward_types<3, GradOutput, GradOutputRank, T, Rank, Index, IndexRank> = 0>
void adaptive_max_pool3d_backward(strided_view<GradOutput, GradOutputRank> grad_output, strided_view<Index, IndexRank> indices,
                                  strided_view<T, Rank> grad_input, Executor&& executor) {
    adaptive_max_pool3d_backward(grad_output, indices, grad_input, gradient_update::overwrite, executor);
}

// Any other arguments: each name's catch-all fails to compile with one
// message, naming the first wrong argument and how to fix it
// (detail/call_types.hpp). A valid call takes a precise overload above, which
// is more specialized.
template <std::size_t Spatial, class... Args>
void adaptive_avg_pool_backward(Args&&...) {
    detail::reject_backward<Spatial, false, Args...>();
}
template <std::size_t Spatial, class... Args>
void adaptive_max_pool_backward(Args&&...) {
    detail::reject_backward<Spatial, true, Args...>();
}
template <class... Args>
void adaptive_avg_pool1d_backward(Args&&...) {
    detail::reject_backward<1, false, Args...>();
}
template <class... Args>
void adaptive_avg_pool2d_backward(Args&&...) {
    detail::reject_backward<2, false, Args...>();
}
template <class... Args>
void adaptive_avg_pool3d_backward(Args&&...) {
    detail::reject_backward<3, false, Args...>();
}
template <class... Args>
void adaptive_max_pool1d_backward(Args&&...) {
    detail::reject_backward<1, true, Args...>();
}
template <class... Args>
void adaptive_max_pool2d_backward(Args&&...) {
    detail::reject_backward<2, true, Args...>();
}
template <class... Args>
void adaptive_max_pool3d_backward(Args&&...) {
    detail::reject_backward<3, true, Args...>();
}

}  // namespace apool
