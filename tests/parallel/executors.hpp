// Executors for the parallel tests: every order and thread count a caller's
// executor may run apool's tasks in.
#pragma once

#include <apool/thread_pool.hpp>

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <random>
#include <vector>

namespace apool_test {

/// Runs the tasks on the calling thread, last to first.
struct reverse_order {
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const {
        for (std::ptrdiff_t i = count; i-- > 0;) task(i);
    }
};

/// Runs the tasks on the calling thread in a shuffled order.
struct shuffled_order {
    unsigned seed = 1;
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const {
        std::vector<std::ptrdiff_t> order(static_cast<std::size_t>(count));
        std::iota(order.begin(), order.end(), std::ptrdiff_t(0));
        std::shuffle(order.begin(), order.end(), std::mt19937(seed));
        for (std::ptrdiff_t i : order) task(i);
    }
};

/// Runs the tasks in order and remembers how many the last call had (0 when
/// the call ran without calling the executor).
struct counting_order {
    std::ptrdiff_t* last_count;
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const {
        *last_count = count;
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    }
};

/// Pools of 1, 2 and 3 threads, shared by the tests of one executable.
inline apool::thread_pool& pool_of(std::size_t threads) {
    static apool::thread_pool one(1);
    static apool::thread_pool two(2);
    static apool::thread_pool three(3);
    return threads == 1 ? one : (threads == 2 ? two : three);
}

/// Calls f(executor, name) for each executor the tests compare.
template <class F>
void for_each_executor(F&& f) {
    f(reverse_order{}, "reverse order");
    f(shuffled_order{7}, "shuffled order");
    f(pool_of(1), "thread_pool(1)");
    f(pool_of(2), "thread_pool(2)");
    f(pool_of(3), "thread_pool(3)");
}

}  // namespace apool_test
