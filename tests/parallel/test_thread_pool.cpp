// apool::thread_pool: each task once, nested calls inline, and many calls at
// once from several threads sharing one pool (run under ThreadSanitizer by
// tests/run_hardening_tests.sh).
#include <apool/apool.hpp>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "executors.hpp"

TEST_CASE("a thread_pool calls every task exactly once", "[parallel][thread_pool]") {
    for (std::size_t threads : {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(3), std::size_t(5)}) {
        apool::thread_pool pool(threads);
        CHECK(pool.size() == (threads > 1 ? threads : 1));
        for (std::ptrdiff_t count : {0, 1, 2, 3, 17, 1000}) {
            INFO(threads << " threads, " << count << " tasks");
            std::vector<std::atomic<int>> calls(static_cast<std::size_t>(count));
            for (auto& c : calls) c = 0;
            pool(count, [&](std::ptrdiff_t i) noexcept { ++calls[static_cast<std::size_t>(i)]; });
            bool each_once = true;
            for (auto& c : calls) each_once = each_once && c == 1;
            CHECK(each_once);
        }
    }
}

TEST_CASE("a thread_pool used inside its own task runs the nested call inline", "[parallel][thread_pool]") {
    apool::thread_pool pool(3);
    std::vector<std::atomic<int>> calls(64 * 8);
    for (auto& c : calls) c = 0;
    pool(64, [&](std::ptrdiff_t outer) noexcept {
        pool(8, [&](std::ptrdiff_t inner) noexcept { ++calls[static_cast<std::size_t>(outer * 8 + inner)]; });
    });
    bool each_once = true;
    for (auto& c : calls) each_once = each_once && c == 1;
    CHECK(each_once);
}

namespace {

// A call large enough to split into tasks (at this executable's knobs, any
// call does), checked against the call without an executor.
bool pooled_call_matches(apool::thread_pool& pool, unsigned seed) {
    const std::ptrdiff_t n = 3, c = 5, h = 37, w = 29;
    std::vector<float> input(static_cast<std::size_t>(n * c * h * w));
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>((i * 2654435761u + seed) % 1000) * 0.01f;
    apool::strided_view<const float, 4> in(input.data(), {n, c, h, w});
    std::vector<float> plain(static_cast<std::size_t>(n * c * 6 * 5)), pooled(plain.size());
    std::vector<std::int64_t> plain_index(plain.size()), pooled_index(plain.size());
    apool::adaptive_max_pool2d(in, apool::strided_view<float, 4>(plain.data(), {n, c, 6, 5}),
                               apool::strided_view<std::int64_t, 4>(plain_index.data(), {n, c, 6, 5}));
    apool::adaptive_max_pool2d(in, apool::strided_view<float, 4>(pooled.data(), {n, c, 6, 5}),
                               apool::strided_view<std::int64_t, 4>(pooled_index.data(), {n, c, 6, 5}), pool);
    std::vector<float> plain_grad(input.size()), pooled_grad(input.size());
    apool::strided_view<const float, 4> grad_output(plain.data(), {n, c, 6, 5});
    apool::adaptive_avg_pool2d_backward(grad_output, apool::strided_view<float, 4>(plain_grad.data(), {n, c, h, w}));
    apool::adaptive_avg_pool2d_backward(grad_output, apool::strided_view<float, 4>(pooled_grad.data(), {n, c, h, w}), pool);
    return std::memcmp(plain.data(), pooled.data(), plain.size() * sizeof(float)) == 0 && plain_index == pooled_index &&
           std::memcmp(plain_grad.data(), pooled_grad.data(), plain_grad.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("many calls at once from several threads share one thread_pool", "[parallel][thread_pool]") {
    apool::thread_pool pool(3);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> callers;
    for (unsigned t = 0; t < 4; ++t) {
        callers.emplace_back([&, t] {
            for (unsigned k = 0; k < 20; ++k) {
                if (!pooled_call_matches(pool, t * 100 + k)) ++mismatches;
            }
        });
    }
    for (std::thread& caller : callers) caller.join();
    CHECK(mismatches == 0);
}

TEST_CASE("apool calls nested inside a pool's tasks", "[parallel][thread_pool]") {
    apool::thread_pool& pool = apool_test::pool_of(3);
    std::atomic<int> mismatches{0};
    pool(6, [&](std::ptrdiff_t i) noexcept {
        if (!pooled_call_matches(pool, static_cast<unsigned>(i))) ++mismatches;
    });
    CHECK(mismatches == 0);
}
