// apool: the executor argument every pooling function takes last.
//
// An executor is any object callable as `executor(std::ptrdiff_t count, F&&
// task)` that calls `task(i)` exactly once for every i in [0, count), in any
// order, on any threads, and returns when every call has returned. `task` is
// noexcept and owns the outputs it writes: no two tasks write one byte, so
// the results are the same bytes for every executor, order and thread count
// (but for the payload of a NaN that a sum over NaNs of different payloads
// returns: which operand of an addition is returned, the compiler decides).
// apool::thread_pool (<apool/thread_pool.hpp>) is one; so is
//
//     auto openmp = [](std::ptrdiff_t count, auto&& task) {
//     #pragma omp parallel for
//         for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
//     };
//
// A call on fewer than 2^18 elements runs on the calling thread without
// calling the executor.
#pragma once

#include <cstddef>
#include <type_traits>

#include "strided_view.hpp"

namespace apool {
namespace detail {

/// The executor of a call that names none: its plan has one task, and the
/// tasks of any plan run on the calling thread, in order.
struct no_executor {
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const noexcept {
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    }
};

/// Whether a call was given an executor of its own (its plans then cut the
/// work into tasks).
template <class Executor>
constexpr bool names_executor = !std::is_same<std::decay_t<Executor>, no_executor>::value;

template <class T>
struct is_strided_view : std::false_type {};
template <class T, std::size_t Rank>
struct is_strided_view<strided_view<T, Rank>> : std::true_type {};

/// Overloads taking a trailing executor drop out for views (indices) and
/// enums (gradient_update), which earlier parameters take.
template <class Executor>
using if_executor =
    std::enable_if_t<!is_strided_view<std::decay_t<Executor>>::value && !std::is_enum<std::decay_t<Executor>>::value, int>;

/// A task as apool hands it to an executor, for the check below.
struct task_probe {
    void operator()(std::ptrdiff_t) const noexcept {}
};

/// An executor as a call passes it (a reference or not): no view or enum,
/// which earlier parameters take, and callable with a count and a task.
template <class Executor>
constexpr bool is_executor = !is_strided_view<std::decay_t<Executor>>::value && !std::is_enum<std::decay_t<Executor>>::value &&
                             std::is_invocable<std::remove_reference_t<Executor>&, std::ptrdiff_t, task_probe&>::value;

template <class Executor>
constexpr void check_executor() noexcept {
    static_assert(is_executor<Executor>,
                  "apool: the last argument must be an executor, callable as executor(std::ptrdiff_t count, task) and "
                  "calling task(i) once for each i in [0, count): for example an apool::thread_pool, or a lambda "
                  "[](std::ptrdiff_t count, auto&& task) { for (std::ptrdiff_t i = 0; i < count; ++i) task(i); }");
}

}  // namespace detail
}  // namespace apool
