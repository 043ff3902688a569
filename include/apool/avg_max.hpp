// apool: adaptive average and max pooling of one input together, and their
// gradient (timm's avgmax and catavgmax heads, CBAM's channel attention).
//
// Every byte written equals the separate calls': adaptive_avg_pool into
// avg_output and adaptive_max_pool into max_output (and indices); backward,
// the average's gradient with the given gradient_update followed by the
// max's with gradient_update::accumulate (a NaN average's sign and payload
// aside: a sum over NaNs returns one of them, and compilers order an
// addition's operands freely). The input is read from memory
// once: where both outputs are laid out alike, one walk over each window
// feeds the sum and the max (plan_pair); otherwise both poolings run over
// each step of the input in turn (the gradient: each block of grad_input,
// where both gradients cut it into the same blocks).
//
// The outputs may interleave in memory as long as no element is shared, so
// catavgmax writes both halves of one [N, 2C] buffer:
//
//     apool::strided_view<float, 4> avg(features, {n, c, 1, 1}, {2 * c, 1, 1, 1});
//     apool::strided_view<float, 4> max(features + c, {n, c, 1, 1}, {2 * c, 1, 1, 1});
//     apool::adaptive_avg_max_pool2d(input, avg, max);
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "backward.hpp"
#include "detail/backward_several.hpp"
#include "detail/call_checks.hpp"
#include "detail/call_types.hpp"
#include "detail/forward_several.hpp"
#include "detail/widened_reductions.hpp"
#include "executor.hpp"
#include "strided_view.hpp"

namespace apool {
namespace detail {

template <std::size_t Spatial, class T, class A, class M, class I, std::size_t Rank, class Executor>
void avg_max_pool(const char* function, const strided_view<const T, Rank>& input, const strided_view<A, Rank>& avg_output,
                  const strided_view<M, Rank>& max_output, const strided_view<I, Rank>* indices, Executor& executor) {
    const view_info index_info = indices != nullptr ? info_of(*indices) : view_info{};
    const result_views results[] = {{"avg_output", info_of(avg_output), "indices", nullptr},
                                    {"max_output", info_of(max_output), "indices", indices != nullptr ? &index_info : nullptr}};
    if (!reported(several_results_errors(function, Spatial, info_of(input), results, 2, sizeof(I) * 8,
                                         static_cast<std::ptrdiff_t>(std::numeric_limits<I>::max())))) {
        return;
    }
    constexpr bool with_executor = names_executor<Executor>;
    if constexpr (std::is_same<A, T>::value && std::is_same<M, T>::value && vector_reduction<average<T>>) {
        const auto pair = plan_pair<Spatial>(input, avg_output, max_output, indices, with_executor);
        if (pair.kernel != forward_kernel::none) {
            const T* const in = input.data();
            const two_outputs<T> out{avg_output.data(), max_output.data()};
            I* const index = indices != nullptr ? indices->data() : nullptr;
            run_tasks(executor, pair.split.tasks, pair.items, [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
                run_forward<average_and_maximum<T>>(pair, in, out, index, first, last);
            });
            return;
        }
    }
    const auto average = plan_pass<average_policy<T, A>, Spatial>(input, avg_output, static_cast<const strided_view<I, Rank>*>(nullptr),
                                                                  with_executor);
    const auto maximum = plan_pass<maximum_policy<T, M>, Spatial>(input, max_output, indices, with_executor);
    run_in_lockstep(executor, input.data(), bytes_in(input), [&](const auto& visit) {
        visit(average);
        visit(maximum);
    });
}

template <std::size_t Spatial, class T, class I, std::size_t Rank, class Executor>
void avg_max_pool_backward(const char* function, const strided_view<const T, Rank>& grad_avg, const strided_view<const T, Rank>& grad_max,
                           const strided_view<const I, Rank>& indices, const strided_view<T, Rank>& grad_input, gradient_update update,
                           Executor& executor) {
    using no_indices = const strided_view<const std::int64_t, Rank>*;
    if (!check_backward<Spatial, T, std::int64_t>(function, grad_avg, grad_input, no_indices(nullptr), "grad_avg") ||
        !check_backward<Spatial, T, I>(function, grad_max, grad_input, &indices, "grad_max")) {
        return;
    }
    constexpr bool with_executor = names_executor<Executor>;
    const auto average = plan_backward_pass<false, Spatial>(grad_avg, static_cast<const void*>(nullptr), grad_avg.strides(), grad_input,
                                                            update == gradient_update::accumulate);
    const auto maximum = plan_backward_pass<true, Spatial>(grad_max, indices.data(), indices.strides(), grad_input, true);
    if (average.plan.zero_first) zero_view(pad_leading<planned_rank(Spatial, Rank)>(grad_input));
    run_backward_passes<with_executor>(executor, grad_input.data(), average, [&](const auto& visit) {
        visit(average);
        visit(maximum);
    });
}

/// The calls of this header's functions, by the public name in `function`:
/// precise overloads for the arguments they take, then a catch-all whose body
/// fails with one message.
template <std::size_t Spatial, class Input, std::size_t InputRank, class A, class M, std::size_t Rank, class Executor = no_executor,
          if_executor<Executor> = 0, if_forward_types<Spatial, Input, InputRank, A, Rank> = 0,
          if_forward_types<Spatial, Input, InputRank, M, Rank> = 0>
void avg_max_call(const char* function, strided_view<Input, InputRank> input, strided_view<A, Rank> avg_output,
                  strided_view<M, Rank> max_output, Executor&& executor = {}) {
    check_executor<Executor>();
    avg_max_pool<Spatial>(function, read_only(input), avg_output, max_output, static_cast<const strided_view<std::int64_t, Rank>*>(nullptr),
                          executor);
}

template <std::size_t Spatial, class Input, std::size_t InputRank, class A, class M, std::size_t Rank, class I, std::size_t IndexRank,
          class Executor = no_executor, if_forward_types<Spatial, Input, InputRank, A, Rank> = 0,
          if_forward_types<Spatial, Input, InputRank, M, Rank, I, IndexRank> = 0>
void avg_max_call(const char* function, strided_view<Input, InputRank> input, strided_view<A, Rank> avg_output,
                  strided_view<M, Rank> max_output, strided_view<I, IndexRank> indices, Executor&& executor = {}) {
    check_executor<Executor>();
    avg_max_pool<Spatial>(function, read_only(input), avg_output, max_output, &indices, executor);
}

template <std::size_t Spatial, class... Args>
void avg_max_call(const char*, Args&&...) {
    static_assert(always_false<Args...>,
                  "apool: adaptive_avg_max_pool takes (input, avg_output, max_output), then the indices if wanted, then an "
                  "executor if wanted: apool::strided_views of one rank, the outputs of the input's element type (or float or "
                  "double for a narrower input), the indices std::int64_t or std::int32_t with max_output's extents");
}

template <std::size_t Spatial, class Grad, std::size_t GradRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor = no_executor, if_backward_types<Spatial, Grad, GradRank, T, Rank, Index, IndexRank> = 0>
void avg_max_backward_call(const char* function, strided_view<Grad, GradRank> grad_avg, strided_view<Grad, GradRank> grad_max,
                           strided_view<Index, IndexRank> indices, strided_view<T, Rank> grad_input,
                           gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    check_executor<Executor>();
    avg_max_pool_backward<Spatial, T, I>(function, strided_view<const T, Rank>(grad_avg), strided_view<const T, Rank>(grad_max),
                                         strided_view<const I, Rank>(indices), grad_input, update, executor);
}

template <std::size_t Spatial, class Grad, std::size_t GradRank, class Index, std::size_t IndexRank, class T, std::size_t Rank,
          class Executor, if_executor<Executor> = 0, if_backward_types<Spatial, Grad, GradRank, T, Rank, Index, IndexRank> = 0>
void avg_max_backward_call(const char* function, strided_view<Grad, GradRank> grad_avg, strided_view<Grad, GradRank> grad_max,
                           strided_view<Index, IndexRank> indices, strided_view<T, Rank> grad_input, Executor&& executor) {
    avg_max_backward_call<Spatial>(function, grad_avg, grad_max, indices, grad_input, gradient_update::overwrite, executor);
}

template <std::size_t Spatial, class... Args>
void avg_max_backward_call(const char*, Args&&...) {
    static_assert(always_false<Args...>,
                  "apool: adaptive_avg_max_pool_backward takes (grad_avg, grad_max, indices, grad_input), then an "
                  "apool::gradient_update if wanted, then an executor if wanted: apool::strided_views of one rank and one "
                  "floating element type (grad_avg and grad_max may be const), the indices std::int64_t or std::int32_t");
}

}  // namespace detail

/// Adaptive average and max pooling of one input over its last `Spatial`
/// dims (rank-generic form of adaptive_avg_max_pool{1,2,3}d):
/// (input, avg_output, max_output[, indices][, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_avg_max_pool(Args&&... args) {
    detail::avg_max_call<Spatial>("adaptive_avg_max_pool", std::forward<Args>(args)...);
}

/// adaptive_avg_max_pool over the last dim.
template <class... Args>
void adaptive_avg_max_pool1d(Args&&... args) {
    detail::avg_max_call<1>("adaptive_avg_max_pool1d", std::forward<Args>(args)...);
}

/// adaptive_avg_max_pool over the last two dims.
template <class... Args>
void adaptive_avg_max_pool2d(Args&&... args) {
    detail::avg_max_call<2>("adaptive_avg_max_pool2d", std::forward<Args>(args)...);
}

/// adaptive_avg_max_pool over the last three dims.
template <class... Args>
void adaptive_avg_max_pool3d(Args&&... args) {
    detail::avg_max_call<3>("adaptive_avg_max_pool3d", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_max_pool: the average's gradient (with the
/// gradient_update, overwrite by default) and the max's (accumulated) into
/// grad_input: (grad_avg, grad_max, indices, grad_input[, update][, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_avg_max_pool_backward(Args&&... args) {
    detail::avg_max_backward_call<Spatial>("adaptive_avg_max_pool_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_max_pool1d.
template <class... Args>
void adaptive_avg_max_pool1d_backward(Args&&... args) {
    detail::avg_max_backward_call<1>("adaptive_avg_max_pool1d_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_max_pool2d.
template <class... Args>
void adaptive_avg_max_pool2d_backward(Args&&... args) {
    detail::avg_max_backward_call<2>("adaptive_avg_max_pool2d_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_max_pool3d.
template <class... Args>
void adaptive_avg_max_pool3d_backward(Args&&... args) {
    detail::avg_max_backward_call<3>("adaptive_avg_max_pool3d_backward", std::forward<Args>(args)...);
}

}  // namespace apool
