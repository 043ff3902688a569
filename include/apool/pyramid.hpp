// apool: pooling pyramids: one input pooled to several output sizes (PSPNet's
// pyramid pooling module averages to 1, 2, 3 and 6 bins; SPPNet max-pools to
// 1, 2 and 4), and their gradients.
//
// `outputs` is a contiguous range of up to 16 views (a std::array, a
// std::vector, a C array), each with its own spatial size and layout and the
// input's leading extents; a max pyramid's indices are a second range, one
// view per output with its output's extents. Every byte written equals the
// separate calls', one per output (a NaN average's sign and payload aside,
// see avg_max.hpp); the gradient equals the separate backward
// calls in order, the first with the gradient_update and the others with
// gradient_update::accumulate. The input is read from memory once: the
// poolings run over each step of it in turn, or, for a channels-last average
// pyramid, in one walk over the input; a max level whose size divides a finer
// level's reads that level's outputs instead (forward_pyramid_derived.hpp).
//
//     std::array<apool::strided_view<float, 4>, 4> bins{...};  // [n, c, s, s] for s = 1, 2, 3, 6
//     apool::adaptive_avg_pool2d_pyramid(features, bins);
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "backward.hpp"
#include "detail/backward_several.hpp"
#include "detail/call_checks.hpp"
#include "detail/call_types.hpp"
#include "detail/forward_pyramid_derived.hpp"
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

/// Whether `Range` is a contiguous range of apool::strided_views (a std::array,
/// a std::vector, a C array: anything with std::data and std::size), and
/// the view type it holds.
template <class Range, class = void>
struct is_view_range : std::false_type {};
template <class Range>
using view_in_range = std::remove_cv_t<std::remove_pointer_t<decltype(std::data(std::declval<const Range&>()))>>;
template <class Range>
struct is_view_range<Range, std::void_t<view_in_range<Range>, decltype(std::size(std::declval<const Range&>()))>>
    : is_strided_view<view_in_range<Range>> {};
template <class Range>
using range_element = typename view_in_range<Range>::element_type;
template <class Range>
constexpr std::size_t range_rank = view_in_range<Range>::rank();

/// The checks of a pyramid's sizes: at most most_results outputs, and
/// (`index_views` not null) as many index views as outputs.
inline std::string pyramid_size_errors(const char* function, const char* outputs_name, std::size_t levels, const std::size_t* index_views) {
    argument_checker check(function);
    if (levels > most_results) {
        check.fail(message_text() << outputs_name << " holds " << levels << " views; a pyramid takes at most " << most_results
                                  << ": call it again for the others");
    } else if (index_views != nullptr && *index_views != levels) {
        check.fail(message_text() << "indices holds " << *index_views << " views and " << outputs_name << " " << levels
                                  << "; a max pyramid takes one index view per output");
    }
    return std::move(check.message());
}

/// A pyramid of `Policy` over `levels` outputs (indices: null, or the
/// max's `index_levels` index views).
template <template <class, class> class Policy, std::size_t Spatial, class T, class Out, std::size_t Rank, class I, class Executor>
void pyramid_pool(const char* function, const strided_view<const T, Rank>& input, const strided_view<Out, Rank>* outputs, std::size_t levels,
                  const strided_view<I, Rank>* indices, std::size_t index_levels, Executor& executor) {
    if (!reported(pyramid_size_errors(function, "outputs", levels, indices != nullptr ? &index_levels : nullptr))) return;
    result_views results[most_results];
    view_info index_infos[most_results];
    for (std::size_t k = 0; k < levels; ++k) {
        results[k] = {pyramid_output_names[k], info_of(outputs[k]), pyramid_index_names[k], nullptr};
        if (indices != nullptr) {
            index_infos[k] = info_of(indices[k]);
            results[k].indices = &index_infos[k];
        }
    }
    if (!reported(several_results_errors(function, Spatial, info_of(input), results, levels, sizeof(I) * 8,
                                         static_cast<std::ptrdiff_t>(std::numeric_limits<I>::max())))) {
        return;
    }
    constexpr bool with_executor = names_executor<Executor>;
    using pass = decltype(plan_pass<Policy<T, Out>, Spatial>(input, outputs[0], indices, with_executor));
    std::array<pass, most_results> passes;
    for (std::size_t k = 0; k < levels; ++k) {
        passes[k] = plan_pass<Policy<T, Out>, Spatial>(input, outputs[k], indices != nullptr ? &indices[k] : nullptr, with_executor);
    }
    derived_levels derived;
    derived.source.fill(-1);
    if constexpr (is_average<Policy<T, Out>>) {
        if (pyramid_walk_suits(passes.data(), levels)) {
            run_pyramid_walk(executor, input.data(), passes.data(), levels);
            return;
        }
    }
    if constexpr (std::is_same<Policy<T, Out>, maximum_policy<T, Out>>::value) {
        derived = plan_derived_levels<Spatial>(input.extents(), outputs, levels);
    }
    run_in_lockstep(executor, input.data(), bytes_in(input), [&](const auto& visit) {
        for (std::size_t k = 0; k < levels; ++k) {
            if (derived.source[k] < 0) visit(passes[k]);
        }
    });
    std::ptrdiff_t most_tasks = 1;
    for (std::size_t k = 0; k < levels; ++k) most_tasks = std::max(most_tasks, passes[k].plan.split.tasks);
    for (std::size_t p = 0; p < levels; ++p) {
        const std::size_t k = derived.order[p];
        if (derived.source[k] < 0) continue;
        const auto j = static_cast<std::size_t>(derived.source[k]);
        const std::ptrdiff_t items = derived_items<Spatial>(outputs[k].extents());
        run_tasks(executor, with_executor ? std::min(most_tasks, items) : 1, items, [&](std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
            derive_max_level<Spatial>(input, outputs[j], indices != nullptr ? &indices[j] : nullptr, outputs[k],
                                      indices != nullptr ? &indices[k] : nullptr, first, last);
        });
    }
}

/// The gradient of a pyramid of `levels` outputs (indices: null for the average's).
template <bool Maximum, std::size_t Spatial, class Grad, class Index, class T, std::size_t Rank, class Executor>
void pyramid_pool_backward(const char* function, const strided_view<Grad, Rank>* grad_outputs, std::size_t levels,
                           const strided_view<Index, Rank>* indices, std::size_t index_levels, const strided_view<T, Rank>& grad_input,
                           gradient_update update, Executor& executor) {
    using I = std::remove_const_t<Index>;
    if (!reported(pyramid_size_errors(function, "grad_outputs", levels, Maximum ? &index_levels : nullptr))) return;
    std::array<strided_view<const T, Rank>, most_results> grads;
    std::array<strided_view<const I, Rank>, most_results> read_indices;
    for (std::size_t k = 0; k < levels; ++k) {
        grads[k] = grad_outputs[k];
        if constexpr (Maximum) read_indices[k] = indices[k];
        if (!check_backward<Spatial, T, I>(function, grads[k], grad_input, Maximum ? &read_indices[k] : nullptr, pyramid_gradient_names[k])) {
            return;
        }
    }
    if (levels == 0) return;
    constexpr bool with_executor = names_executor<Executor>;
    using index_type = std::conditional_t<Maximum, I, void>;
    using pass = backward_pass<Spatial, planned_rank(Spatial, Rank), T, index_type>;
    std::array<pass, most_results> passes;
    for (std::size_t k = 0; k < levels; ++k) {
        const index_type* index = nullptr;
        if constexpr (Maximum) index = read_indices[k].data();
        passes[k] = plan_backward_pass<Maximum, Spatial>(grads[k], index, Maximum ? read_indices[k].strides() : grads[k].strides(), grad_input,
                                                         k > 0 || update == gradient_update::accumulate);
    }
    if (passes[0].plan.zero_first) zero_view(pad_leading<planned_rank(Spatial, Rank)>(grad_input));
    run_backward_passes<with_executor>(executor, grad_input.data(), passes[0], [&](const auto& visit) {
        for (std::size_t k = 0; k < levels; ++k) visit(passes[k]);
    });
}

/// The calls of this header's functions, by the public name in `function`:
/// precise overloads for the arguments they take, then a catch-all whose body
/// fails with one message. The catch-alls take const references, as the
/// precise overloads take their ranges: a forwarding reference would bind a
/// non-const range better and win over them.
template <bool Maximum, std::size_t Spatial, class Input, std::size_t InputRank, class Outputs, class Executor = no_executor,
          std::enable_if_t<is_view_range<Outputs>::value && is_executor<Executor>, int> = 0,
          if_forward_types<Spatial, Input, InputRank, range_element<Outputs>, range_rank<Outputs>> = 0>
void pyramid_call(const char* function, strided_view<Input, InputRank> input, const Outputs& outputs, Executor&& executor = {}) {
    check_executor<Executor>();
    using no_indices = const strided_view<std::int64_t, range_rank<Outputs>>*;
    if constexpr (Maximum) {
        pyramid_pool<maximum_policy, Spatial>(function, read_only(input), std::data(outputs), std::size(outputs), no_indices(nullptr), 0,
                                              executor);
    } else {
        pyramid_pool<average_policy, Spatial>(function, read_only(input), std::data(outputs), std::size(outputs), no_indices(nullptr), 0,
                                              executor);
    }
}

template <bool Maximum, std::size_t Spatial, class Input, std::size_t InputRank, class Outputs, class Indices, class Executor = no_executor,
          std::enable_if_t<Maximum && is_view_range<Outputs>::value && is_view_range<Indices>::value, int> = 0,
          if_forward_types<Spatial, Input, InputRank, range_element<Outputs>, range_rank<Outputs>, range_element<Indices>,
                           range_rank<Indices>> = 0>
void pyramid_call(const char* function, strided_view<Input, InputRank> input, const Outputs& outputs, const Indices& indices,
                  Executor&& executor = {}) {
    check_executor<Executor>();
    pyramid_pool<maximum_policy, Spatial>(function, read_only(input), std::data(outputs), std::size(outputs), std::data(indices),
                                          std::size(indices), executor);
}

template <bool Maximum, std::size_t Spatial, class... Args>
void pyramid_call(const char*, const Args&...) {
    static_assert(always_false<Args...>,
                  "apool: a pyramid call takes (input, outputs), then for max pooling the indices if wanted, then an executor "
                  "if wanted: outputs a std::array, std::vector or C array of apool::strided_view<T, Rank> of the input's rank "
                  "and of an element type the input may pool into, indices one of apool::strided_view<std::int64_t, Rank>");
}

template <bool Maximum, std::size_t Spatial, class Grads, class T, std::size_t Rank, class Executor = no_executor,
          std::enable_if_t<is_view_range<Grads>::value, int> = 0, if_backward_types<Spatial, range_element<Grads>, range_rank<Grads>, T, Rank> = 0>
void pyramid_backward_call(const char* function, const Grads& grad_outputs, strided_view<T, Rank> grad_input,
                           gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    static_assert(!Maximum, "apool: a max pyramid's gradient takes (grad_outputs, indices, grad_input): the indices come second");
    check_executor<Executor>();
    pyramid_pool_backward<false, Spatial>(function, std::data(grad_outputs), std::size(grad_outputs),
                                          static_cast<const strided_view<const std::int64_t, Rank>*>(nullptr), 0, grad_input, update, executor);
}

template <bool Maximum, std::size_t Spatial, class Grads, class Indices, class T, std::size_t Rank, class Executor = no_executor,
          std::enable_if_t<Maximum && is_view_range<Grads>::value && is_view_range<Indices>::value, int> = 0,
          if_backward_types<Spatial, range_element<Grads>, range_rank<Grads>, T, Rank, range_element<Indices>, range_rank<Indices>> = 0>
void pyramid_backward_call(const char* function, const Grads& grad_outputs, const Indices& indices, strided_view<T, Rank> grad_input,
                           gradient_update update = gradient_update::overwrite, Executor&& executor = {}) {
    check_executor<Executor>();
    pyramid_pool_backward<true, Spatial>(function, std::data(grad_outputs), std::size(grad_outputs), std::data(indices), std::size(indices),
                                         grad_input, update, executor);
}

template <bool Maximum, std::size_t Spatial, class Grads, class T, std::size_t Rank, class Executor, if_executor<Executor> = 0,
          std::enable_if_t<is_view_range<Grads>::value, int> = 0, if_backward_types<Spatial, range_element<Grads>, range_rank<Grads>, T, Rank> = 0>
void pyramid_backward_call(const char* function, const Grads& grad_outputs, strided_view<T, Rank> grad_input, Executor&& executor) {
    pyramid_backward_call<Maximum, Spatial>(function, grad_outputs, grad_input, gradient_update::overwrite, executor);
}

template <bool Maximum, std::size_t Spatial, class Grads, class Indices, class T, std::size_t Rank, class Executor, if_executor<Executor> = 0,
          std::enable_if_t<Maximum && is_view_range<Grads>::value && is_view_range<Indices>::value, int> = 0,
          if_backward_types<Spatial, range_element<Grads>, range_rank<Grads>, T, Rank, range_element<Indices>, range_rank<Indices>> = 0>
void pyramid_backward_call(const char* function, const Grads& grad_outputs, const Indices& indices, strided_view<T, Rank> grad_input,
                           Executor&& executor) {
    pyramid_backward_call<Maximum, Spatial>(function, grad_outputs, indices, grad_input, gradient_update::overwrite, executor);
}

template <bool Maximum, std::size_t Spatial, class... Args>
void pyramid_backward_call(const char*, const Args&...) {
    static_assert(always_false<Args...>,
                  "apool: a pyramid's gradient takes (grad_outputs, grad_input) for average pooling or (grad_outputs, indices, "
                  "grad_input) for max pooling, each a std::array, std::vector or C array of apool::strided_views as the forward "
                  "call took them, then an apool::gradient_update if wanted, then an executor if wanted");
}

}  // namespace detail

/// Adaptive average pooling of one input to each output of `outputs` (a
/// range of views: std::array, std::vector, C array) over the last `Spatial`
/// dims (rank-generic form of adaptive_avg_pool{1,2,3}d_pyramid):
/// (input, outputs[, executor]).
template <std::size_t Spatial, class... Args>
void adaptive_avg_pool_pyramid(Args&&... args) {
    detail::pyramid_call<false, Spatial>("adaptive_avg_pool_pyramid", std::forward<Args>(args)...);
}

/// Adaptive max pooling of one input to each output of `outputs`, with the
/// indices of each maximum where a range of index views follows:
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
