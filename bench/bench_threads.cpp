// apool benchmarks: the thread-count axis. For the suite's large cases, each
// layout and pass, and each thread count (1, 2 and what the machine has):
// apool with an apool::thread_pool of that many threads, apool on one thread,
// the read floor (a plain read of a buffer of the input's size, split into
// tasks of the same pools) at that count and at one thread, and, when built
// with PyTorch, PyTorch with at::set_num_threads at the same
// count, in rotating order iteration by iteration on the same buffers. Every
// contender is timed by the wall clock, as several threads work.
//
// The benchmark's time is apool's at the thread count; counters give
// one_thread_ms, speedup (one thread / this count, same iterations), floor_ms
// and floor_speedup (the read floor at this count, and its own gain over one
// thread: what the machine allows a read of that size), torch_ms and
// torch_speedup (PyTorch / apool at this count). The small_call benchmark
// gives the cost of passing a pool to a call too small to split
// (pool_overhead_ns). bench/README.md has the commands.
#include <benchmark/benchmark.h>

#include <apool/apool.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_problem.hpp"
#include "read_floor.hpp"
#if APOOL_BENCH_WITH_TORCH
#include "torch_pooling.hpp"
#endif

namespace apool_bench {
namespace {

struct large_case {
    const char* name;
    pooling op;
    std::vector<std::int64_t> input_extents;  // N, C, spatial...
    std::vector<std::int64_t> output_spatial;
};

// The suite's cases whose work is large enough to share among threads
// (bench_pooling.cpp has the whole suite), and one at batch 1.
std::vector<large_case> cases() {
    std::vector<large_case> all = {
        {"pspnet_ppm_6", pooling::average, {8, 2048, 64, 64}, {6, 6}},
        {"pspnet_ppm_6_batch_1", pooling::average, {1, 2048, 64, 64}, {6, 6}},
        {"video_3d", pooling::average, {4, 64, 16, 56, 56}, {4, 7, 7}},
        {"video_3d_max", pooling::maximum, {4, 64, 16, 56, 56}, {4, 7, 7}},
        {"max_56_to_7", pooling::maximum, {16, 256, 56, 56}, {7, 7}},
        {"seq_1d", pooling::average, {64, 256, 1000}, {10}},
        {"seq_1d_max", pooling::maximum, {64, 256, 1000}, {10}},
        {"image_to_224", pooling::average, {1, 3, 1080, 1920}, {224, 224}},
    };
    const char* smoke = std::getenv("APOOL_BENCH_SMOKE");
    if (smoke != nullptr && std::string(smoke) == "1") {
        for (large_case& c : all) {
            c.input_extents[0] = 1;
            c.input_extents[1] = std::min<std::int64_t>(c.input_extents[1], 4);
        }
    }
    return all;
}

enum class memory_layout { contiguous, channels_last };
enum class pass { forward, backward };

std::vector<std::int64_t> output_extents_of(const large_case& c) {
    std::vector<std::int64_t> extents{c.input_extents[0], c.input_extents[1]};
    extents.insert(extents.end(), c.output_spatial.begin(), c.output_spatial.end());
    return extents;
}

// Dense strides: row-major, or with the channel dim (1) innermost.
std::vector<std::int64_t> dense_strides(const std::vector<std::int64_t>& extents, memory_layout layout) {
    std::vector<std::size_t> order;  // dims from innermost out
    if (layout == memory_layout::channels_last) order.push_back(1);
    for (std::size_t d = extents.size(); d-- > 0;) {
        if (layout != memory_layout::channels_last || d != 1) order.push_back(d);
    }
    std::vector<std::int64_t> strides(extents.size());
    std::int64_t step = 1;
    for (std::size_t d : order) {
        strides[d] = step;
        step *= extents[d];
    }
    return strides;
}

std::size_t count_of(const std::vector<std::int64_t>& extents) {
    std::size_t count = 1;
    for (std::int64_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

// The buffers of one case, filled with a repeatable pattern (max pooling's
// comparisons then do not follow the memory order).
struct case_buffers {
    std::vector<float> input, output, grad_output, grad_input;
    std::vector<std::int64_t> indices;
    explicit case_buffers(const large_case& c)
        : input(count_of(c.input_extents)),
          output(count_of(output_extents_of(c))),
          grad_output(output.size()),
          grad_input(input.size()),
          indices(output.size()) {
        std::uint32_t state = 12345;
        auto next = [&] {
            state = state * 1664525u + 1013904223u;
            return static_cast<float>(state >> 8) * (1.0f / 16777216.0f) - 0.5f;
        };
        for (float& v : input) v = next();
        for (float& v : grad_output) v = next();
    }
};

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_array(const std::vector<std::int64_t>& values) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = static_cast<std::ptrdiff_t>(values[d]);
    return result;
}

// apool's call on the problem, through `executor`.
template <std::size_t Spatial, class Executor>
void apool_call(const problem& p, pass direction, Executor& executor) {
    constexpr std::size_t rank = Spatial + 2;
    const auto in_extents = to_array<rank>(p.input_extents);
    const auto in_strides = to_array<rank>(p.input_strides);
    const auto out_extents = to_array<rank>(p.output_extents);
    const auto out_strides = to_array<rank>(p.output_strides);
    const apool::strided_view<std::int64_t, rank> indices(p.indices, out_extents, out_strides);
    if (direction == pass::forward) {
        const apool::strided_view<const float, rank> input(p.input, in_extents, in_strides);
        const apool::strided_view<float, rank> output(p.output, out_extents, out_strides);
        if (p.op == pooling::average) {
            apool::adaptive_avg_pool<Spatial>(input, output, executor);
        } else {
            apool::adaptive_max_pool<Spatial>(input, output, indices, executor);
        }
        return;
    }
    const apool::strided_view<const float, rank> grad_output(p.grad_output, out_extents, out_strides);
    const apool::strided_view<float, rank> grad_input(p.grad_input, in_extents, in_strides);
    if (p.op == pooling::average) {
        apool::adaptive_avg_pool_backward<Spatial>(grad_output, grad_input, executor);
    } else {
        apool::adaptive_max_pool_backward<Spatial>(grad_output, apool::strided_view<const std::int64_t, rank>(indices), grad_input, executor);
    }
}

template <class Executor>
void apool_call(const problem& p, pass direction, Executor& executor) {
    switch (p.spatial) {
        case 1: apool_call<1>(p, direction, executor); break;
        case 2: apool_call<2>(p, direction, executor); break;
        default: apool_call<3>(p, direction, executor); break;
    }
}

// One pool per thread count, started once.
apool::thread_pool& pool_of(int threads) {
    static std::map<int, std::unique_ptr<apool::thread_pool>> pools;
    auto& pool = pools[threads];
    if (!pool) pool = std::make_unique<apool::thread_pool>(static_cast<std::size_t>(threads));
    return *pool;
}

// The read floor at a thread count: the buffer read once by 16 tasks a
// thread of the pool (the split apool aims at), each summing its share.
void parallel_read(apool::thread_pool& pool, const float* data, std::size_t count) {
    constexpr std::ptrdiff_t most_tasks = 1024;
    std::array<float, most_tasks> sums{};
    const std::ptrdiff_t tasks = std::min<std::ptrdiff_t>(most_tasks, 16 * static_cast<std::ptrdiff_t>(pool.size()));
    pool(tasks, [&](std::ptrdiff_t t) {
        const std::size_t begin = count * static_cast<std::size_t>(t) / static_cast<std::size_t>(tasks);
        const std::size_t end = count * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(tasks);
        sums[static_cast<std::size_t>(t)] = read_once(data + begin, end - begin);
    });
    benchmark::DoNotOptimize(sums.data());
}

template <class F>
double wall_seconds(F&& f) {
    const auto start = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void run_case(benchmark::State& state, const large_case& c, memory_layout layout, pass direction, int threads) {
    static std::map<std::string, std::unique_ptr<case_buffers>> all_buffers;
    auto& buffers = all_buffers[c.name];
    if (!buffers) buffers = std::make_unique<case_buffers>(c);
    problem p;
    p.op = c.op;
    p.spatial = c.output_spatial.size();
    p.input_extents = c.input_extents;
    p.input_strides = dense_strides(c.input_extents, layout);
    p.output_extents = output_extents_of(c);
    p.output_strides = dense_strides(p.output_extents, layout);
    p.input = buffers->input.data();
    p.output = buffers->output.data();
    p.indices = buffers->indices.data();
    p.grad_output = buffers->grad_output.data();
    p.grad_input = buffers->grad_input.data();
    apool::thread_pool& pool = pool_of(threads);
    apool::thread_pool& one = pool_of(1);
    if (c.op == pooling::maximum) apool_call(p, pass::forward, one);  // indices for the backward pass
#if APOOL_BENCH_WITH_TORCH
    const std::function<void()> torch_call = direction == pass::forward ? torch_forward(p) : torch_backward(p);
#endif
    // The floor reads a buffer of the larger side's size: the input
    // (forward) or grad_input (backward).
    const float* floor_data = direction == pass::forward ? p.input : p.grad_input;
    const std::size_t floor_count = buffers->input.size();
    double apool_time = 0, one_thread_time = 0, torch_time = 0, floor_time = 0, one_thread_floor_time = 0;
    std::int64_t round = 0;
    for (auto _ : state) {
        double this_time = 0;
        for (int k = 0; k < 5; ++k) {
            switch ((round + k) % 5) {
                case 0: this_time = wall_seconds([&] { apool_call(p, direction, pool); }); break;
                case 1: one_thread_time += wall_seconds([&] { apool_call(p, direction, one); }); break;
                case 2: floor_time += wall_seconds([&] { parallel_read(pool, floor_data, floor_count); }); break;
                case 3: one_thread_floor_time += wall_seconds([&] { parallel_read(one, floor_data, floor_count); }); break;
                default:
#if APOOL_BENCH_WITH_TORCH
                    torch_use_threads(threads);
                    torch_time += wall_seconds(torch_call);
#endif
                    break;
            }
        }
        ++round;
        apool_time += this_time;
        state.SetIterationTime(this_time);
    }
    const double n = static_cast<double>(state.iterations());
    state.counters["threads"] = threads;
    state.counters["one_thread_ms"] = one_thread_time / n * 1e3;
    state.counters["speedup"] = one_thread_time / apool_time;
    state.counters["floor_ms"] = floor_time / n * 1e3;
    state.counters["floor_speedup"] = one_thread_floor_time / floor_time;
    if (torch_time > 0) {
        state.counters["torch_ms"] = torch_time / n * 1e3;
        state.counters["torch_speedup"] = torch_time / apool_time;
    }
}

// A 2x3x5x5 -> 3x3 average: the plain call against the same call given a
// pool (which runs it inline), alternating, by the wall clock over batches of
// calls.
void small_call(benchmark::State& state) {
    std::vector<float> input(2 * 3 * 5 * 5, 0.5f), output(2 * 3 * 3 * 3);
    const apool::strided_view<const float, 4> in(input.data(), {2, 3, 5, 5});
    const apool::strided_view<float, 4> out(output.data(), {2, 3, 3, 3});
    apool::thread_pool& pool = pool_of(2);
    constexpr int batch = 1000;
    double plain = 0, pooled = 0;
    for (auto _ : state) {
        plain += wall_seconds([&] {
            for (int i = 0; i < batch; ++i) apool::adaptive_avg_pool2d(in, out);
        });
        pooled += wall_seconds([&] {
            for (int i = 0; i < batch; ++i) apool::adaptive_avg_pool2d(in, out, pool);
        });
        benchmark::DoNotOptimize(output.data());
        state.SetIterationTime(pooled / batch);
    }
    const double calls = static_cast<double>(state.iterations()) * batch;
    state.counters["plain_ns"] = plain / calls * 1e9;
    state.counters["pooled_ns"] = pooled / calls * 1e9;
    state.counters["pool_overhead_ns"] = (pooled - plain) / calls * 1e9;
}

void register_all() {
    std::vector<int> counts{1, 2};
    const int hardware = static_cast<int>(std::thread::hardware_concurrency());
    if (hardware > 2) counts.push_back(hardware);
    for (const large_case& c : cases()) {
        for (memory_layout layout : {memory_layout::contiguous, memory_layout::channels_last}) {
            for (pass direction : {pass::forward, pass::backward}) {
                for (int threads : counts) {
                    const std::string name = std::string(c.name) + (layout == memory_layout::contiguous ? "/contiguous/" : "/channels_last/") +
                                             (direction == pass::forward ? "forward" : "backward") + "/threads:" + std::to_string(threads);
                    benchmark::RegisterBenchmark(name.c_str(), [c, layout, direction, threads](benchmark::State& state) {
                        run_case(state, c, layout, direction, threads);
                    })->UseManualTime()->Unit(benchmark::kMillisecond);
                }
            }
        }
    }
    benchmark::RegisterBenchmark("small_call/contiguous/forward", small_call)->UseManualTime()->Unit(benchmark::kNanosecond);
}

}  // namespace
}  // namespace apool_bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    apool_bench::register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
