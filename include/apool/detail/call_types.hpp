// apool: the argument types each public pooling function takes, and the
// compile error that names the first wrong one.
//
// Every public function has precise overloads, which take part in overload
// resolution only for argument types they accept (if_forward_types,
// if_backward_types), and a catch-all overload for any other arguments, whose
// body fails exactly one static_assert, saying what to change. The first
// error a compiler prints for a misuse is then apool's message: not a list of
// candidates (where no overload matches a std::vector or a raw pointer), nor an
// error from inside the body of a precise overload (GCC instantiates a
// checking function only after the body that calls it, so a view conversion
// that a rank mismatch breaks would be reported first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "../executor.hpp"
#include "../strided_view.hpp"
#include "element_types.hpp"

namespace apool {

enum class gradient_update;  // backward.hpp: the optional argument after grad_input

namespace detail {

/// The first wrong argument type of a call, in argument order; `none` when an
/// overload takes them all. Each has its message in reject_forward,
/// reject_backward or reject_common.
enum class misuse {
    none,
    argument_count,
    input_not_view,   // backward: grad_output
    output_not_view,  // backward: grad_input
    indices_not_view,
    indices_to_average,
    ranks_differ,
    output_const,  // backward: grad_input
    element_types_differ,
    element_type,
    gradient_type,
    rank_below_spatial,
    index_type,
    update,
    executor,
};

/// A view's rank and element type, as the checks see an argument type.
template <class A>
struct view_traits {
    static constexpr bool is_view = false;
    static constexpr std::size_t rank = 0;
    using element = void;
};
template <class T, std::size_t Rank>
struct view_traits<strided_view<T, Rank>> {
    static constexpr bool is_view = true;
    static constexpr std::size_t rank = Rank;
    using element = T;
};

/// False for any types: a static_assert that fails only where instantiated.
template <class...>
constexpr bool always_false = false;

/// Stands for an argument a call does not pass.
struct absent {};

/// The type of argument `Position`, `absent` past the last one.
template <std::size_t Position, class... Args>
using argument_t = std::tuple_element_t<Position, std::tuple<Args..., absent, absent, absent, absent, absent>>;
template <std::size_t Position, class... Args>
using argument_view = view_traits<std::decay_t<argument_t<Position, Args...>>>;

/// Element types and ranks past the rank comparison: a writable side, a read
/// side of an element type (const or not) that may pool into it (forward,
/// element_types.hpp) or of the same floating type (backward), at least
/// Spatial dims, std::int64_t or std::int32_t indices.
template <bool Forward, std::size_t Spatial, class Read, class T, std::size_t Rank, class I>
constexpr misuse element_types() noexcept {
    using read = std::remove_const_t<Read>;
    if (std::is_const<T>::value) return misuse::output_const;
    if (!is_element<read>) return misuse::element_type;
    if (Forward ? !is_element_pair<read, T> : !std::is_same<read, T>::value) return misuse::element_types_differ;
    if (!Forward && !is_gradient_element<T>) return misuse::gradient_type;
    if (Rank < Spatial) return misuse::rank_below_spatial;
    if (!std::is_same<I, std::int64_t>::value && !std::is_same<I, std::int32_t>::value) return misuse::index_type;
    return misuse::none;
}

template <std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, class I, std::size_t IndexRank>
constexpr misuse forward_types() noexcept {
    return InputRank != Rank || IndexRank != Rank ? misuse::ranks_differ : element_types<true, Spatial, Input, T, Rank, I>();
}

/// Backward indices are only read: a view of const indices is fine.
template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank, class Index, std::size_t IndexRank>
constexpr misuse backward_types() noexcept {
    return GradOutputRank != Rank || IndexRank != Rank
               ? misuse::ranks_differ
               : element_types<false, Spatial, GradOutput, T, Rank, std::remove_const_t<Index>>();
}

/// A view as a view of const elements (the input of every call).
template <class T, std::size_t Rank>
strided_view<const T, Rank> read_only(const strided_view<T, Rank>& view) noexcept {
    return {view.data(), view.extents(), view.strides()};
}

template <std::size_t Spatial, class Input, std::size_t InputRank, class T, std::size_t Rank, class I = std::int64_t,
          std::size_t IndexRank = Rank>
using if_forward_types = std::enable_if_t<forward_types<Spatial, Input, InputRank, T, Rank, I, IndexRank>() == misuse::none, int>;

template <std::size_t Spatial, class GradOutput, std::size_t GradOutputRank, class T, std::size_t Rank, class Index = const std::int64_t,
          std::size_t IndexRank = Rank>
using if_backward_types =
    std::enable_if_t<backward_types<Spatial, GradOutput, GradOutputRank, T, Rank, Index, IndexRank>() == misuse::none, int>;

template <class A>
constexpr bool executor_or_absent = std::is_same<A, absent>::value || is_executor<A>;

/// The argument in the executor's place: after the views, and in a backward
/// call after the gradient_update where there is one.
template <bool Maximum, class... Args>
using forward_executor_t = argument_t<2 + (Maximum && argument_view<2, Args...>::is_view), Args...>;
template <std::size_t Views, class... Args>
constexpr bool has_update = std::is_same<std::decay_t<argument_t<Views, Args...>>, gradient_update>::value;
template <bool Maximum, class... Args>
using backward_executor_t = argument_t<(Maximum ? 3 : 2) + has_update<Maximum ? 3 : 2, Args...>, Args...>;

/// A forward call: (input, output[, indices][, executor]), indices for max pooling only.
template <std::size_t Spatial, bool Maximum, class... Args>
constexpr misuse forward_misuse() noexcept {
    using input = argument_view<0, Args...>;
    using output = argument_view<1, Args...>;
    using third = argument_view<2, Args...>;
    constexpr std::size_t count = sizeof...(Args);
    constexpr bool indices = Maximum && third::is_view;
    constexpr misuse types = forward_types<Spatial, typename input::element, input::rank, typename output::element, output::rank,
                                           std::conditional_t<indices, typename third::element, std::int64_t>,
                                           indices ? third::rank : output::rank>();
    if (count < 2 || count > std::size_t{3} + Maximum) return misuse::argument_count;
    if (!input::is_view) return misuse::input_not_view;
    if (!output::is_view) return misuse::output_not_view;
    if (!Maximum && third::is_view) return misuse::indices_to_average;
    if (count == 4 && !third::is_view) return misuse::indices_not_view;
    if (types != misuse::none) return types;
    return executor_or_absent<forward_executor_t<Maximum, Args...>> ? misuse::none : misuse::executor;
}

/// A backward call: (grad_output[, indices], grad_input[, update][, executor]),
/// indices for max pooling only.
template <std::size_t Spatial, bool Maximum, class... Args>
constexpr misuse backward_misuse() noexcept {
    constexpr std::size_t views = Maximum ? 3 : 2;
    using grad_output = argument_view<0, Args...>;
    using indices = argument_view<1, Args...>;
    using grad_input = argument_view<views - 1, Args...>;
    constexpr std::size_t count = sizeof...(Args);
    constexpr misuse types =
        backward_types<Spatial, typename grad_output::element, grad_output::rank, typename grad_input::element, grad_input::rank,
                       std::conditional_t<Maximum, typename indices::element, const std::int64_t>,
                       Maximum ? indices::rank : grad_input::rank>();
    if (count < views || count > views + 2) return misuse::argument_count;
    if (!grad_output::is_view) return misuse::input_not_view;
    if (Maximum && !indices::is_view) return misuse::indices_not_view;
    if (!grad_input::is_view) return misuse::output_not_view;
    if (types != misuse::none) return types;
    if (count == views + 2 && !has_update<views, Args...>) return misuse::update;
    return executor_or_absent<backward_executor_t<Maximum, Args...>> ? misuse::none : misuse::executor;
}

/// The messages forward and backward calls share.
template <misuse Found, class Executor>
void reject_common() {
    static_assert(Found != misuse::element_type,
                  "apool: the element type must be float, double, apool::bfloat16, apool::float16, std::uint8_t or std::int8_t "
                  "(view other 16-bit floats as apool::bfloat16 or apool::float16 by casting the pointer)");
    static_assert(Found != misuse::gradient_type,
                  "apool: gradients need a floating element type: float, double, apool::bfloat16 or apool::float16");
    static_assert(Found != misuse::rank_below_spatial,
                  "apool: the views need at least as many dims as the pooling has spatial dims (adaptive_avg_pool2d needs "
                  "Rank >= 2): add leading dims of extent 1, or call the function for fewer spatial dims");
    static_assert(Found != misuse::index_type,
                  "apool: indices must be std::int64_t (as PyTorch) or std::int32_t: declare the indices view as "
                  "apool::strided_view<std::int64_t, Rank> (forward: of non-const elements, it is written)");
    if constexpr (Found == misuse::executor) check_executor<Executor>();
    // Each precise overload is more specialized than the catch-all, so the
    // catch-all only ever sees calls that one of the checks above rejects.
    static_assert(Found != misuse::none, "apool: no overload takes these arguments, though apool's checks accept them");
}

/// The body of each forward catch-all overload.
template <std::size_t Spatial, bool Maximum, class... Args>
void reject_forward() {
    constexpr misuse found = forward_misuse<Spatial, Maximum, Args...>();
    static_assert(found != misuse::argument_count,
                  "apool: a pooling call takes (input, output), then the indices for max pooling if wanted, then an "
                  "executor if wanted");
    static_assert(found != misuse::input_not_view,
                  "apool: the input must be an apool::strided_view<const T, Rank>: wrap a pointer as "
                  "apool::strided_view<const float, 4>(data, {n, c, h, w}), or an mdspan with apool::from_mdspan");
    static_assert(found != misuse::output_not_view,
                  "apool: the output must be an apool::strided_view<T, Rank>: wrap a pointer as "
                  "apool::strided_view<float, 4>(data, {n, c, out_h, out_w}), or lay it out like the input with apool::pooled_view");
    static_assert(found != misuse::indices_not_view,
                  "apool: the third argument of a call with four must be the indices, an apool::strided_view<std::int64_t, Rank> "
                  "with the output's extents; the executor comes last");
    static_assert(found != misuse::indices_to_average,
                  "apool: average pooling writes no indices: drop the indices, or call adaptive_max_pool with them");
    static_assert(found != misuse::ranks_differ,
                  "apool: input, output and indices views must have the same rank: the output keeps the input's leading dims "
                  "and replaces its spatial extents by the output size (input [n, c, h, w], output [n, c, out_h, out_w])");
    static_assert(found != misuse::output_const,
                  "apool: the output must be a view of non-const elements, strided_view<float, Rank>: the input comes first, "
                  "then the output");
    static_assert(found != misuse::element_types_differ,
                  "apool: the output's element type must be the input's (the input may be const), or float or double for a "
                  "narrower input: apool::bfloat16, apool::float16, std::uint8_t or std::int8_t into float or double, float "
                  "into double");
    reject_common<found, forward_executor_t<Maximum, Args...>>();
}

/// The body of each backward catch-all overload.
template <std::size_t Spatial, bool Maximum, class... Args>
void reject_backward() {
    constexpr misuse found = backward_misuse<Spatial, Maximum, Args...>();
    static_assert(found != misuse::argument_count,
                  "apool: a backward call takes (grad_output, grad_input) for average pooling or (grad_output, indices, "
                  "grad_input) for max pooling, then an apool::gradient_update if wanted, then an executor if wanted");
    static_assert(found != misuse::input_not_view,
                  "apool: grad_output must be an apool::strided_view<const T, Rank> with the pooling output's extents: wrap a "
                  "pointer as apool::strided_view<const float, 4>(data, {n, c, out_h, out_w})");
    static_assert(found != misuse::indices_not_view,
                  "apool: a max pooling backward call takes the forward call's indices second, as an "
                  "apool::strided_view<const std::int64_t, Rank>: (grad_output, indices, grad_input)");
    static_assert(found != misuse::output_not_view,
                  "apool: grad_input must be an apool::strided_view<T, Rank> with the pooling input's extents: wrap a pointer "
                  "as apool::strided_view<float, 4>(data, {n, c, h, w})");
    static_assert(found != misuse::ranks_differ,
                  "apool: grad_output, indices and grad_input views must have the same rank (that of the forward input): "
                  "grad_input has the input's extents, grad_output and indices the output's");
    static_assert(found != misuse::output_const,
                  "apool: grad_input must be a view of non-const elements, strided_view<float, Rank>: grad_output comes "
                  "first, grad_input last");
    static_assert(found != misuse::element_types_differ,
                  "apool: grad_output and grad_input must have the same element type (grad_output may be const): both float, "
                  "both double, both apool::bfloat16 or both apool::float16");
    static_assert(found != misuse::update,
                  "apool: the argument after grad_input must be an apool::gradient_update (overwrite or accumulate); the "
                  "executor comes last");
    reject_common<found, backward_executor_t<Maximum, Args...>>();
}

}  // namespace detail
}  // namespace apool
