// apool benchmarks for the calls that write several results of one read of
// the input: avg and max together (adaptive_avg_max_pool) against the max
// call alone, both separate calls and the read-once floor, on the suite's
// shapes; and pooling pyramids (PSPNet's 1, 2, 3, 6 average, SPP's 1, 2, 4
// max) against their separate calls and the floor. Float, one thread, NCHW and
// channels-last; each round times every contender in turn on the same
// buffers. Counters: each one's milliseconds (median of the run's rounds) and
// the ratios: pair_per_max, pair_per_separate, pair_per_floor,
// pyramid_per_separate, pyramid_per_floor.
//
// APOOL_BENCH_SMOKE=1 shrinks every case to one batch element and at most 4
// channels (CI's smoke pass).
#include <apool/apool.hpp>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "read_floor.hpp"

namespace {

/// One input shape (N, C, spatial...) and the output sizes pooled from it:
/// the pair pools to `sizes[0]` in every spatial dim; a pyramid to each.
struct several_case {
    const char* name;
    std::vector<std::ptrdiff_t> input;
    std::vector<std::ptrdiff_t> sizes;
};

// The suite's shapes (bench_pooling.cpp), each pooled by average and max.
const several_case pair_cases[] = {
    {"resnet_head_gap", {32, 2048, 7, 7}, {1}},     {"pspnet_ppm_6", {8, 2048, 64, 64}, {6}},
    {"vgg_14_to_7", {32, 512, 14, 14}, {7}},        {"image_to_224", {1, 3, 1080, 1920}, {224}},
    {"spp_13_to_4", {32, 256, 13, 13}, {4}},        {"max_56_to_7", {16, 256, 56, 56}, {7}},
    {"seq_1d", {64, 256, 1000}, {10}},              {"video_3d", {4, 64, 16, 56, 56}, {7}},
};

// PSPNet's module on the suite's pspnet input; SPP on the suite's spp input
// (a small one, in cache) and on the 56x56 one (from memory).
const several_case avg_pyramids[] = {{"pspnet_ppm", {8, 2048, 64, 64}, {1, 2, 3, 6}}};
const several_case max_pyramids[] = {{"spp_13", {32, 256, 13, 13}, {1, 2, 4}}, {"spp_56", {16, 256, 56, 56}, {1, 2, 4}}};

bool smoke_run() {
    const char* value = std::getenv("APOOL_BENCH_SMOKE");
    return value != nullptr && std::string(value) == "1";
}

template <std::size_t Rank>
using extents_t = std::array<std::ptrdiff_t, Rank>;

template <std::size_t Rank>
extents_t<Rank> input_extents(const several_case& c) {
    extents_t<Rank> e{};
    std::copy(c.input.begin(), c.input.end(), e.begin());
    if (smoke_run()) {
        e[0] = 1;
        e[1] = std::min<std::ptrdiff_t>(e[1], 4);
    }
    return e;
}

template <std::size_t Rank>
extents_t<Rank> pooled(extents_t<Rank> e, std::ptrdiff_t size) {
    for (std::size_t d = 2; d < Rank; ++d) e[d] = size;
    return e;
}

template <std::size_t Rank>
std::size_t count_of(const extents_t<Rank>& e) {
    std::size_t count = 1;
    for (std::ptrdiff_t x : e) count *= static_cast<std::size_t>(x);
    return count;
}

/// Dense strides: row-major, or with the channel dim innermost.
template <std::size_t Rank>
extents_t<Rank> strides_of(const extents_t<Rank>& e, bool channels_last) {
    extents_t<Rank> s{};
    std::ptrdiff_t step = 1;
    if (channels_last) {
        s[1] = 1;
        step = e[1];
        for (std::size_t d = Rank; d-- > 2;) {
            s[d] = step;
            step *= e[d];
        }
        s[0] = step;
        return s;
    }
    for (std::size_t d = Rank; d-- > 0;) {
        s[d] = step;
        step *= e[d];
    }
    return s;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : values[values.size() / 2];
}

double milliseconds_of(const std::function<void()>& call) {
    const auto start = std::chrono::steady_clock::now();
    call();
    benchmark::ClobberMemory();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// Times the contenders in turn, once per round, and sets each one's median
/// as `<name>_ms`; returns the medians.
std::vector<double> time_in_turn(benchmark::State& state, const std::vector<std::pair<std::string, std::function<void()>>>& contenders) {
    std::vector<std::vector<double>> rounds(contenders.size());
    for (auto _ : state) {
        for (std::size_t k = 0; k < contenders.size(); ++k) rounds[k].push_back(milliseconds_of(contenders[k].second));
    }
    std::vector<double> medians;
    for (std::size_t k = 0; k < contenders.size(); ++k) {
        medians.push_back(median(rounds[k]));
        state.counters[contenders[k].first + "_ms"] = medians.back();
    }
    return medians;
}

/// Uniform floats in [-1, 1).
std::vector<float> random_input(std::size_t count) {
    std::vector<float> values(count);
    std::mt19937 random(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (float& v : values) v = uniform(random);
    return values;
}

template <std::size_t Rank>
void run_pair(benchmark::State& state, const several_case& c, bool channels_last) {
    constexpr std::size_t spatial = Rank - 2;
    const extents_t<Rank> in_extents = input_extents<Rank>(c);
    const extents_t<Rank> out_extents = pooled(in_extents, c.sizes[0]);
    const std::vector<float> values = random_input(count_of(in_extents));
    std::vector<float> avg(count_of(out_extents)), max(avg.size());
    std::vector<std::int64_t> indices(avg.size());
    const apool::strided_view<const float, Rank> in(values.data(), in_extents, strides_of(in_extents, channels_last));
    const extents_t<Rank> out_strides = strides_of(out_extents, channels_last);
    const apool::strided_view<float, Rank> avg_view(avg.data(), out_extents, out_strides), max_view(max.data(), out_extents, out_strides);
    const apool::strided_view<std::int64_t, Rank> index_view(indices.data(), out_extents, out_strides);
    const std::vector<double> ms = time_in_turn(
        state, {{"pair", [&] { apool::adaptive_avg_max_pool<spatial>(in, avg_view, max_view, index_view); }},
                {"max", [&] { apool::adaptive_max_pool<spatial>(in, max_view, index_view); }},
                {"avg", [&] { apool::adaptive_avg_pool<spatial>(in, avg_view); }},
                {"floor", [&] { benchmark::DoNotOptimize(apool_bench::read_once(values.data(), values.size())); }}});
    state.counters["pair_per_max"] = ms[0] / ms[1];
    state.counters["pair_per_separate"] = ms[0] / (ms[1] + ms[2]);
    state.counters["pair_per_floor"] = ms[0] / ms[3];
}

template <bool Maximum, std::size_t Levels>
void run_pyramid(benchmark::State& state, const several_case& c, bool channels_last) {
    const extents_t<4> in_extents = input_extents<4>(c);
    const std::vector<float> values = random_input(count_of(in_extents));
    const apool::strided_view<const float, 4> in(values.data(), in_extents, strides_of(in_extents, channels_last));
    std::array<std::vector<float>, Levels> outputs;
    std::array<std::vector<std::int64_t>, Levels> indices;
    std::array<apool::strided_view<float, 4>, Levels> output_views;
    std::array<apool::strided_view<std::int64_t, 4>, Levels> index_views;
    for (std::size_t k = 0; k < Levels; ++k) {
        const extents_t<4> out_extents = pooled(in_extents, c.sizes[k]);
        outputs[k].resize(count_of(out_extents));
        indices[k].resize(count_of(out_extents));
        output_views[k] = apool::strided_view<float, 4>(outputs[k].data(), out_extents, strides_of(out_extents, channels_last));
        index_views[k] = apool::strided_view<std::int64_t, 4>(indices[k].data(), out_extents, strides_of(out_extents, channels_last));
    }
    auto pyramid = [&] {
        if constexpr (Maximum) {
            apool::adaptive_max_pool2d_pyramid(in, output_views, index_views);
        } else {
            apool::adaptive_avg_pool2d_pyramid(in, output_views);
        }
    };
    auto separate = [&] {
        for (std::size_t k = 0; k < Levels; ++k) {
            if constexpr (Maximum) {
                apool::adaptive_max_pool2d(in, output_views[k], index_views[k]);
            } else {
                apool::adaptive_avg_pool2d(in, output_views[k]);
            }
        }
    };
    const std::vector<double> ms =
        time_in_turn(state, {{"pyramid", pyramid},
                             {"separate", separate},
                             {"floor", [&] { benchmark::DoNotOptimize(apool_bench::read_once(values.data(), values.size())); }}});
    state.counters["pyramid_per_separate"] = ms[0] / ms[1];
    state.counters["pyramid_per_floor"] = ms[0] / ms[2];
}

void register_all() {
    for (bool channels_last : {false, true}) {
        const std::string layout = channels_last ? "/channels_last" : "/nchw";
        for (const several_case& c : pair_cases) {
            const std::string name = std::string(c.name) + layout + "/avg_max";
            if (c.input.size() == 3) benchmark::RegisterBenchmark(name.c_str(), [&c, channels_last](benchmark::State& s) { run_pair<3>(s, c, channels_last); });
            if (c.input.size() == 4) benchmark::RegisterBenchmark(name.c_str(), [&c, channels_last](benchmark::State& s) { run_pair<4>(s, c, channels_last); });
            if (c.input.size() == 5) benchmark::RegisterBenchmark(name.c_str(), [&c, channels_last](benchmark::State& s) { run_pair<5>(s, c, channels_last); });
        }
        for (const several_case& c : avg_pyramids) {
            benchmark::RegisterBenchmark((std::string(c.name) + layout + "/avg_pyramid").c_str(),
                                         [&c, channels_last](benchmark::State& s) { run_pyramid<false, 4>(s, c, channels_last); });
        }
        for (const several_case& c : max_pyramids) {
            benchmark::RegisterBenchmark((std::string(c.name) + layout + "/max_pyramid").c_str(),
                                         [&c, channels_last](benchmark::State& s) { run_pyramid<true, 3>(s, c, channels_last); });
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
