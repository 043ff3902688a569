// apool: the instantiations that apool::apool_compiled compiles once (src/).
//
// APOOL_DETAIL_INSTANCES(prefix, T) names, after `prefix`, the plan and run
// functions of every common call with element type T, at the planned rank
// (problem.hpp): a translation unit built with APOOL_COMPILED declares them
// `extern template` and uses the library's copies; src/instances_*.cpp
// defines them. The functions are those independent of the public call's
// signature, so every public overload and rank up to Spatial + 2 reaches them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../strided_view.hpp"
#include "backward_kernels.hpp"
#include "backward_run.hpp"
#include "forward_run.hpp"
#include "reductions.hpp"

#define APOOL_DETAIL_FORWARD_PLAN(prefix, Reduction, T, S)                                                                        \
    prefix forward_plan<S, S + 2> plan_forward<Reduction<T>, S, T, S + 2>(                                                        \
        const strided_view<const T, S + 2>&, const strided_view<T, S + 2>&, const std::array<std::ptrdiff_t, S + 2>&, bool,     \
        forward_kernel, bool) noexcept;
#define APOOL_DETAIL_FORWARD_RUN(prefix, Reduction, T, I, S)                                                                     \
    prefix void run_forward<Reduction<T>, T, I, S, S + 2>(const forward_plan<S, S + 2>&, const T*, T*, I*, std::ptrdiff_t,       \
                                                           std::ptrdiff_t) noexcept;
#define APOOL_DETAIL_BACKWARD_PLAN(prefix, Maximum, T, S)                                                                        \
    prefix backward_plan<S, S + 2> plan_backward<Maximum, S, T, S + 2>(                                                          \
        const strided_view<const T, S + 2>&, const strided_view<T, S + 2>&, const std::array<std::ptrdiff_t, S + 2>&, bool,     \
        backward_kernel, bool) noexcept;
#define APOOL_DETAIL_BACKWARD_RUN(prefix, T, I, S)                                                                               \
    prefix void run_backward<T, I, S, S + 2>(const backward_plan<S, S + 2>&, const T*, const I*, T*, std::ptrdiff_t,            \
                                              std::ptrdiff_t) noexcept;
#define APOOL_DETAIL_SPATIAL_INSTANCES(prefix, T, S)                                                                             \
    APOOL_DETAIL_FORWARD_PLAN(prefix, average, T, S)                                                                             \
    APOOL_DETAIL_FORWARD_PLAN(prefix, maximum, T, S)                                                                             \
    APOOL_DETAIL_FORWARD_RUN(prefix, average, T, std::int64_t, S)                                                                \
    APOOL_DETAIL_FORWARD_RUN(prefix, maximum, T, std::int64_t, S)                                                                \
    APOOL_DETAIL_FORWARD_RUN(prefix, maximum, T, std::int32_t, S)                                                                \
    APOOL_DETAIL_BACKWARD_PLAN(prefix, false, T, S)                                                                              \
    APOOL_DETAIL_BACKWARD_PLAN(prefix, true, T, S)                                                                               \
    APOOL_DETAIL_BACKWARD_RUN(prefix, T, void, S)                                                                                \
    APOOL_DETAIL_BACKWARD_RUN(prefix, T, std::int64_t, S)                                                                        \
    APOOL_DETAIL_BACKWARD_RUN(prefix, T, std::int32_t, S)                                                                        \
    prefix void zero_view<T, S + 2>(const strided_view<T, S + 2>&) noexcept;
#define APOOL_DETAIL_INSTANCES(prefix, T)                                                                                        \
    APOOL_DETAIL_SPATIAL_INSTANCES(prefix, T, 1)                                                                                 \
    APOOL_DETAIL_SPATIAL_INSTANCES(prefix, T, 2)                                                                                 \
    APOOL_DETAIL_SPATIAL_INSTANCES(prefix, T, 3)

#if APOOL_COMPILED
namespace apool {
namespace detail {
APOOL_DETAIL_INSTANCES(extern template, float)
APOOL_DETAIL_INSTANCES(extern template, double)
}  // namespace detail
}  // namespace apool
#endif
