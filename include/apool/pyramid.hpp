// apool: pooling pyramids: one input pooled to several output sizes (PSPNet's
// pyramid pooling module averages to 1, 2, 3 and 6 bins; SPPNet max-pools to
// 1, 2 and 4), and their gradients.
//
// `outputs` is a std::array of K views, each with its own spatial size and
// layout and the input's leading extents; a max pyramid's indices are a
// second std::array, each with its output's extents. Every byte written
// equals the separate calls', one per output; the gradient equals the
// separate backward calls in order, the first with the gradient_update and
// the others with gradient_update::accumulate. The input is read from memory
// once: the poolings run over each step of it in turn.
//
//     std::array<apool::strided_view<float, 4>, 4> bins{...};  // [n, c, s, s] for s = 1, 2, 3, 6
//     apool::adaptive_avg_pool2d_pyramid(features, bins);
#pragma once

#include <array>
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

/// The names a pyramid's messages give its views.
constexpr const char* pyramid_output_names[most_results] = {
    "outputs[0]", "outputs[1]", "outputs[2]",  "outputs[3]",  "outputs[4]",  "outputs[5]",  "outputs[6]",  "outputs[7]",
    "outputs[8]", "outputs[9]", "outputs[10]", "outputs[11]", "outputs[12]", "outputs[13]", "outputs[14]", "outputs[15]"};
constexpr const char* pyramid_index_names[most_results] = {
    "indices[0]", "indices[1]", "indices[2]",  "indices[3]",  "indices[4]",  "indices[5]",  "indices[6]",  "indices[7]",
    "indices[8]", "indices[9]", "indices[10]", "indices[11]", "indices[12]", "indices[13]", "indices[14]", "indices[15]"};
constexpr const char* pyramid_gradient_names[most_results] = {
    "grad_outputs[0]", "grad_outputs[1]", "grad_outputs[2]",  "grad_outputs[3]",  "grad_outputs[4]",  "grad_outputs[5]",
    "grad_outputs[6]", "grad_outputs[7]", "grad_outputs[8]",  "grad_outputs[9]",  "grad_outputs[10]", "grad_outputs[11]",
    "grad_outputs[12]", "grad_outputs[13]", "grad_outputs[14]", "grad_outputs[15]"};

template <std::size_t Levels>
constexpr void check_levels() noexcept {
    static_assert(Levels >= 1 && Levels <= most_results,
                  "apool: a pyramid has 1 to 16 outputs: call it twice for more");
}

/// A pyramid of `Reduction` (indices: null, or the max's K index views).
template <template <class, class> class Policy, std::size_t Spatial, class T, class Out, std::size_t Rank, class I, std::size_t Levels,
          class Executor>
void pyramid_pool(const char* function, const strided_view<const T, Rank>& input, const std::array<strided_view<Out, Rank>, Levels>& outputs,
                  const std::array<strided_view<I, Rank>, Levels>* indices, Executor& executor) {
    check_levels<Levels>();
    result_views results[Levels];
    view_info index_infos[Levels];
    for (std::size_t k = 0; k < Levels; ++k) {
        results[k] = {pyramid_output_names[k], info_of(outputs[k]), pyramid_index_names[k], nullptr};
        if (indices != nullptr) {
            index_infos[k] = info_of((*indices)[k]);
            results[k].indices = &index_infos[k];
        }
    }
    if (!reported(several_results_errors(function, Spatial, info_of(input), results, Levels, sizeof(I) * 8,
                                         static_cast<std::ptrdiff_t>(std::numeric_limits<I>::max())))) {
        return;
    }
    constexpr bool with_executor = names_executor<Executor>;
    using pass = decltype(plan_pass<Policy<T, Out>, Spatial>(input, outputs[0], indices != nullptr ? &(*indices)[0] : nullptr, with_executor));
    std::array<pass, Levels> passes;
    for (std::size_t k = 0; k < Levels; ++k) {
        passes[k] = plan_pass<Policy<T, Out>, Spatial>(input, outputs[k], indices != nullptr ? &(*indices)[k] : nullptr, with_executor);
    }
    run_in_lockstep(executor, input.data(), bytes_in(input), [&](const auto& visit) {
        for (const pass& level : passes) visit(level);
    });
}

/// The gradient of a pyramid (indices: null for the average's).
template <bool Maximum, std::size_t Spatial, class T, class I, std::size_t Rank, std::size_t Levels, class Executor>
void pyramid_pool_backward(const char* function, const std::array<strided_view<const T, Rank>, Levels>& grad_outputs,
                           const std::array<strided_view<const I, Rank>, Levels>* indices, const strided_view<T, Rank>& grad_input,
                           gradient_update update, Executor& executor) {
    check_levels<Levels>();
    for (std::size_t k = 0; k < Levels; ++k) {
        if (!check_backward<Spatial, T, I>(function, grad_outputs[k], grad_input, indices != nullptr ? &(*indices)[k] : nullptr,
                                           pyramid_gradient_names[k])) {
            return;
        }
    }
    constexpr bool with_executor = names_executor<Executor>;
    using index_type = std::conditional_t<Maximum, I, void>;
    using pass = backward_pass<Spatial, planned_rank(Spatial, Rank), T, index_type>;
    std::array<pass, Levels> passes;
    for (std::size_t k = 0; k < Levels; ++k) {
        const index_type* index = nullptr;
        if constexpr (Maximum) index = (*indices)[k].data();
        passes[k] = plan_backward_pass<Maximum, Spatial>(grad_outputs[k], index, Maximum ? (*indices)[k].strides() : grad_outputs[k].strides(),
                                                         grad_input, k > 0 || update == gradient_update::accumulate);
    }
    if (passes[0].plan.zero_first) zero_view(pad_leading<planned_rank(Spatial, Rank)>(grad_input));
    run_backward_passes<with_executor>(executor, grad_input.data(), passes[0], [&](const auto& visit) {
        for (const pass& level : passes) visit(level);
    });
}

/// The calls of this header's functions, by the public name in `function`:
/// precise overloads for the arguments they take, then a catch-all whose body
/// fails with one message. The catch-alls take const references, as the
/// precise overloads take their arrays: a forwarding reference would bind a
/// non-const array better and win over them.
template <bool Maximum, std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, std::size_t Levels,
          class Executor = no_executor, std::enable_if_t<is_executor<Executor>, int> = 0,
          if_forward_types<Spatial, Input, InputRank, T, Rank> = 0>
void pyramid_call(const char* function, strided_view<Input, InputRank> input, const std::array<strided_view<T, Rank>, Levels>& outputs,
                  Executor&& executor = {}) {
    check_executor<Executor>();
    using no_indices = const std::array<strided_view<std::int64_t, Rank>, Levels>*;
    if constexpr (Maximum) {
        pyramid_pool<maximum_policy, Spatial>(function, read_only(input), outputs, no_indices(nullptr), executor);
    } else {
        pyramid_pool<average_policy, Spatial>(function, read_only(input), outputs, no_indices(nullptr), executor);
    }
}

template <bool Maximum, std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, std::size_t Levels, class I,
          class Executor = no_executor, std::enable_if_t<Maximum, int> = 0,
          if_forward_types<Spatial, Input, InputRank, T, Rank, I, Rank> = 0>
void pyramid_call(const char* function, strided_view<Input, InputRank> input, const std::array<strided_view<T, Rank>, Levels>& outputs,
                  const std::array<strided_view<I, Rank>, Levels>& indices, Executor&& executor = {}) {
    check_executor<Executor>();
    pyramid_pool<maximum_policy, Spatial>(function, read_only(input), outputs, &indices, executor);
}

template <bool Maximum, std::size_t Spatial, class... Args>
void pyramid_call(const char*, const Args&...) {
    static_assert(always_false<Args...>,
                  "apool: a pyramid call takes (input, outputs), then for max pooling the indices if wanted, then an executor "
                  "if wanted: outputs a std::array<apool::strided_view<T, Rank>, K> of the input's rank and of an element type "
                  "the input may pool into, indices a std::array<apool::strided_view<std::int64_t, Rank>, K>");
}

template <bool Maximum, std::size_t Spatial, class Grad, class T, std::size_t Rank, std::size_t Levels, class Executor = no_executor,
          if_backward_types<Spatial, Grad, Rank, T, Rank> = 0>
void pyramid_backward_call(const char* function, const std::array<strided_view<Grad, Rank>, Levels>& grad_outputs,
                           strided_view<T, Rank> grad_input, gradient_update update = gradient_update::overwrite,
                           Executor&& executor = {}) {
    static_assert(!Maximum, "apool: a max pyramid's gradient takes (grad_outputs, indices, grad_input): the indices come second");
    check_executor<Executor>();
    std::array<strided_view<const T, Rank>, Levels> grads;
    for (std::size_t k = 0; k < Levels; ++k) grads[k] = grad_outputs[k];
    pyramid_pool_backward<false, Spatial>(function, grads, static_cast<const std::array<strided_view<const std::int64_t, Rank>, Levels>*>(nullptr),
                                          grad_input, update, executor);
}

template <bool Maximum, std::size_t Spatial, class Grad, class Index, class T, std::size_t Rank, std::size_t Levels,
          class Executor = no_executor, std::enable_if_t<Maximum, int> = 0, if_backward_types<Spatial, Grad, Rank, T, Rank, Index, Rank> = 0>
void pyramid_backward_call(const char* function, const std::array<strided_view<Grad, Rank>, Levels>& grad_outputs,
                           const std::array<strided_view<Index, Rank>, Levels>& indices, strided_view<T, Rank> grad_input,
                           gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    using I = std::remove_const_t<Index>;
    check_executor<Executor>();
    std::array<strided_view<const T, Rank>, Levels> grads;
    std::array<strided_view<const I, Rank>, Levels> read_indices;
    for (std::size_t k = 0; k < Levels; ++k) {
        grads[k] = grad_outputs[k];
        read_indices[k] = indices[k];
    }
    pyramid_pool_backward<true, Spatial>(function, grads, &read_indices, grad_input, update, executor);
}

template <bool Maximum, std::size_t Spatial, class Grad, class T, std::size_t Rank, std::size_t Levels, class Executor,
          if_executor<Executor> = 0, if_backward_types<Spatial, Grad, Rank, T, Rank> = 0>
void pyramid_backward_call(const char* function, const std::array<strided_view<Grad, Rank>, Levels>& grad_outputs,
                           strided_view<T, Rank> grad_input, Executor&& executor) {
    pyramid_backward_call<Maximum, Spatial>(function, grad_outputs, grad_input, gradient_update::overwrite, executor);
}

template <bool Maximum, std::size_t Spatial, class Grad, class Index, class T, std::size_t Rank, std::size_t Levels, class Executor,
          if_executor<Executor> = 0, std::enable_if_t<Maximum, int> = 0, if_backward_types<Spatial, Grad, Rank, T, Rank, Index, Rank> = 0>
void pyramid_backward_call(const char* function, const std::array<strided_view<Grad, Rank>, Levels>& grad_outputs,
                           const std::array<strided_view<Index, Rank>, Levels>& indices, strided_view<T, Rank> grad_input,
                           Executor&& executor) {
    pyramid_backward_call<Maximum, Spatial>(function, grad_outputs, indices, grad_input, gradient_update::overwrite, executor);
}

template <bool Maximum, std::size_t Spatial, class... Args>
void pyramid_backward_call(const char*, const Args&...) {
    static_assert(always_false<Args...>,
                  "apool: a pyramid's gradient takes (grad_outputs, grad_input) for average pooling or (grad_outputs, indices, "
                  "grad_input) for max pooling, each a std::array of apool::strided_views as the forward call took them, then "
                  "an apool::gradient_update if wanted, then an executor if wanted");
}

}  // namespace detail

/// Adaptive average pooling of one input to each output of `outputs` (a
/// std::array of views) over the last `Spatial` dims (rank-generic form of
/// adaptive_avg_pool{1,2,3}d_pyramid): (input, outputs[, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_avg_pool_pyramid(Args&&... args) {
    detail::pyramid_call<false, Spatial>("adaptive_avg_pool_pyramid", std::forward<Args>(args)...);
}

/// Adaptive max pooling of one input to each output of `outputs`, with the
/// indices of each maximum where a std::array of index views follows:
/// (input, outputs[, indices][, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_max_pool_pyramid(Args&&... args) {
    detail::pyramid_call<true, Spatial>("adaptive_max_pool_pyramid", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_pool_pyramid: (grad_outputs, grad_input[, update][, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_avg_pool_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<false, Spatial>("adaptive_avg_pool_pyramid_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_max_pool_pyramid: (grad_outputs, indices, grad_input[, update][, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_max_pool_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<true, Spatial>("adaptive_max_pool_pyramid_backward", std::forward<Args>(args)...);
}

/// adaptive_avg_pool_pyramid over the last dim.
template <class... Args>
void adaptive_avg_pool1d_pyramid(Args&&... args) {
    detail::pyramid_call<false, 1>("adaptive_avg_pool1d_pyramid", std::forward<Args>(args)...);
}

/// adaptive_max_pool_pyramid over the last dim.
template <class... Args>
void adaptive_max_pool1d_pyramid(Args&&... args) {
    detail::pyramid_call<true, 1>("adaptive_max_pool1d_pyramid", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_pool1d_pyramid.
template <class... Args>
void adaptive_avg_pool1d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<false, 1>("adaptive_avg_pool1d_pyramid_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_max_pool1d_pyramid.
template <class... Args>
void adaptive_max_pool1d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<true, 1>("adaptive_max_pool1d_pyramid_backward", std::forward<Args>(args)...);
}

/// adaptive_avg_pool_pyramid over the last two dims.
template <class... Args>
void adaptive_avg_pool2d_pyramid(Args&&... args) {
    detail::pyramid_call<false, 2>("adaptive_avg_pool2d_pyramid", std::forward<Args>(args)...);
}

/// adaptive_max_pool_pyramid over the last two dims.
template <class... Args>
void adaptive_max_pool2d_pyramid(Args&&... args) {
    detail::pyramid_call<true, 2>("adaptive_max_pool2d_pyramid", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_pool2d_pyramid.
template <class... Args>
void adaptive_avg_pool2d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<false, 2>("adaptive_avg_pool2d_pyramid_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_max_pool2d_pyramid.
template <class... Args>
void adaptive_max_pool2d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<true, 2>("adaptive_max_pool2d_pyramid_backward", std::forward<Args>(args)...);
}

/// adaptive_avg_pool_pyramid over the last three dims.
template <class... Args>
void adaptive_avg_pool3d_pyramid(Args&&... args) {
    detail::pyramid_call<false, 3>("adaptive_avg_pool3d_pyramid", std::forward<Args>(args)...);
}

/// adaptive_max_pool_pyramid over the last three dims.
template <class... Args>
void adaptive_max_pool3d_pyramid(Args&&... args) {
    detail::pyramid_call<true, 3>("adaptive_max_pool3d_pyramid", std::forward<Args>(args)...);
}

/// Gradient of adaptive_avg_pool3d_pyramid.
template <class... Args>
void adaptive_avg_pool3d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<false, 3>("adaptive_avg_pool3d_pyramid_backward", std::forward<Args>(args)...);
}

/// Gradient of adaptive_max_pool3d_pyramid.
template <class... Args>
void adaptive_max_pool3d_pyramid_backward(Args&&... args) {
    detail::pyramid_backward_call<true, 3>("adaptive_max_pool3d_pyramid_backward", std::forward<Args>(args)...);
}

}  // namespace apool
