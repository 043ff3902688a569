// apool benchmarks: the suite of project issues #4 and #22 (float32, one thread).
//
// One benchmark per case, memory layout and pass, named case/layout/pass. Each
// iteration times, in rotating order and on the same buffers, apool's call,
// the floor (forward, the read-once floor: the fastest of several ways of
// reading the input once, see read_floors; backward, the write-once floor:
// vectorized stores over grad_input), the read-and-write floor (every buffer
// the call reads read once, every buffer it writes written once) and the peers
// built in: PyTorch's kernel, and forward, oneDNN's pooling and OpenCV's area
// resize where they compute the case (see peers_for). The benchmark's time is
// apool's; the others come back as counters, with the ratios taken from the
// same iterations, so a slow patch on a shared machine shifts them all
// together. Each is timed by the thread's CPU time (see thread_seconds).
//
// Counters: floor_ms (the fastest floor), floor_<way>_ms (each way of reading
// the input once), vs_floor (apool / floor), read_write_ms, vs_read_write
// (apool / read-and-write floor), torch_ms, torch_speedup (PyTorch / apool),
// <peer>_ms, <peer>_speedup (peer / apool; for max, over apool's values-only
// call, values_only_ms, since the peers write no indices), <peer>_agrees (1 when the peer's
// output matched apool's before timing), <peer>_max_abs_diff, and
// bytes_per_second (bytes of the input-sized tensor). The label names the
// code path each peer took.
// bench/README.md has the commands; bench/report.py makes the table and plot.
#include <benchmark/benchmark.h>

#include <apool/apool.hpp>
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "bench_peer.hpp"
#include "bench_problem.hpp"
#include "read_floor.hpp"
#if APOOL_BENCH_WITH_TORCH
#include "torch_pooling.hpp"
#endif
#if APOOL_BENCH_WITH_ONEDNN
#include "onednn_pooling.hpp"
#endif
#if APOOL_BENCH_WITH_OPENCV
#include "opencv_pooling.hpp"
#endif

namespace apool_bench {
namespace {

struct suite_case {
    const char* name;
    pooling op;
    std::vector<std::int64_t> input_extents;   // N, C, spatial...
    std::vector<std::int64_t> output_spatial;  // the pooled spatial extents
};

// The table of issue #4, then the shapes of issue #22 on which a peer was
// fastest (the 14x14 max, and 1080p HWC images pooled by 2 and by 5); max
// pooling always returns int64 indices.
std::vector<suite_case> full_suite() {
    return {
        {"resnet_head_gap", pooling::average, {32, 2048, 7, 7}, {1, 1}},
        {"pspnet_ppm_6", pooling::average, {8, 2048, 64, 64}, {6, 6}},
        {"pspnet_ppm_3", pooling::average, {8, 2048, 64, 64}, {3, 3}},
        {"vgg_14_to_7", pooling::average, {32, 512, 14, 14}, {7, 7}},
        {"vgg_13_to_7", pooling::average, {32, 512, 13, 13}, {7, 7}},
        {"image_to_224", pooling::average, {1, 3, 1080, 1920}, {224, 224}},
        {"spp_13_to_4", pooling::maximum, {32, 256, 13, 13}, {4, 4}},
        {"spp_13_to_1", pooling::maximum, {32, 256, 13, 13}, {1, 1}},
        {"max_56_to_7", pooling::maximum, {16, 256, 56, 56}, {7, 7}},
        {"seq_1d", pooling::average, {64, 256, 1000}, {10}},
        {"seq_1d_max", pooling::maximum, {64, 256, 1000}, {10}},
        {"video_3d", pooling::average, {4, 64, 16, 56, 56}, {4, 7, 7}},
        {"video_3d_max", pooling::maximum, {4, 64, 16, 56, 56}, {4, 7, 7}},
        {"vgg_14_to_7_max", pooling::maximum, {32, 512, 14, 14}, {7, 7}},
        {"image_by_2", pooling::average, {1, 3, 1080, 1920}, {540, 960}},
        {"image_by_5", pooling::average, {1, 3, 1080, 1920}, {216, 384}},
    };
}

/// APOOL_BENCH_SMOKE=1 in the environment shrinks every case to one batch
/// element and at most 4 channels (the spatial extents and so the windows stay
/// the suite's): CI runs that to keep the benchmarks working.
bool smoke_run() {
    const char* value = std::getenv("APOOL_BENCH_SMOKE");
    return value != nullptr && std::string(value) == "1";
}

std::vector<suite_case> shrunk_for_smoke(std::vector<suite_case> cases) {
    for (suite_case& c : cases) {
        c.input_extents[0] = 1;
        c.input_extents[1] = c.input_extents[1] < 4 ? c.input_extents[1] : 4;
    }
    return cases;
}

/// The cases this run measures.
const std::vector<suite_case>& suite() {
    static const std::vector<suite_case> cases = smoke_run() ? shrunk_for_smoke(full_suite()) : full_suite();
    return cases;
}

enum class memory_layout { contiguous, channels_last };
enum class pass { forward, backward };

std::int64_t product(const std::vector<std::int64_t>& extents) {
    std::int64_t count = 1;
    for (std::int64_t e : extents) count *= e;
    return count;
}

std::vector<std::int64_t> output_extents_of(const suite_case& c) {
    std::vector<std::int64_t> extents{c.input_extents[0], c.input_extents[1]};
    extents.insert(extents.end(), c.output_spatial.begin(), c.output_spatial.end());
    return extents;
}

/// Dense strides for N, C, spatial... extents: row-major, or with the channel
/// dim innermost (PyTorch's channels_last and channels_last_3d).
std::vector<std::int64_t> strides_of(const std::vector<std::int64_t>& extents, memory_layout layout) {
    std::vector<std::int64_t> strides(extents.size());
    std::int64_t step = 1;
    if (layout == memory_layout::channels_last) {
        strides[1] = 1;
        step = extents[1];
        for (std::size_t d = extents.size(); d-- > 2;) {
            strides[d] = step;
            step *= extents[d];
        }
        strides[0] = step;
        return strides;
    }
    for (std::size_t d = extents.size(); d-- > 0;) {
        strides[d] = step;
        step *= extents[d];
    }
    return strides;
}

struct free_deleter {
    void operator()(void* p) const noexcept { std::free(p); }
};
template <class T>
using buffer = std::unique_ptr<T[], free_deleter>;

/// Zeroed, 64-byte aligned memory whose pages are already mapped, so that no
/// timed call pays for first touches.
template <class T>
buffer<T> allocate(std::size_t count) {
    const std::size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
    void* memory = std::aligned_alloc(64, bytes);
    if (memory == nullptr) throw std::bad_alloc();
    buffer<T> result(static_cast<T*>(memory));
    for (std::size_t i = 0; i < count; ++i) result[i] = T(0);
    return result;
}

/// Uniform floats in [-1, 1) from xorshift64*: fast enough for 268 MB, and
/// random enough that max pooling's comparisons do not follow a pattern.
void fill_random(float* data, std::size_t count, std::uint64_t seed) {
    std::uint64_t x = seed;
    for (std::size_t i = 0; i < count; ++i) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        const std::uint64_t bits = (x * 0x2545F4914F6CDD1DULL) >> 40;
        data[i] = static_cast<float>(bits) * (2.0f / 16777216.0f) - 1.0f;
    }
}

/// One set of buffers shared by every benchmark. It grows to the largest case
/// run so far, so a filtered run (or one under valgrind) touches only what its
/// cases need; grown buffers get the same random prefix again.
struct arena {
    std::size_t input_capacity = 0;
    std::size_t output_capacity = 0;
    buffer<float> input;
    buffer<float> grad_input;
    buffer<float> output;
    buffer<float> grad_output;
    buffer<std::int64_t> indices;
};

arena& buffers_for(const suite_case& c) {
    static arena shared;
    const auto input_size = static_cast<std::size_t>(product(c.input_extents));
    const auto output_size = static_cast<std::size_t>(product(output_extents_of(c)));
    if (input_size > shared.input_capacity) {
        shared.input = allocate<float>(input_size);
        shared.grad_input = allocate<float>(input_size);
        fill_random(shared.input.get(), input_size, 0x9E3779B97F4A7C15ULL);
        shared.input_capacity = input_size;
    }
    if (output_size > shared.output_capacity) {
        shared.output = allocate<float>(output_size);
        shared.grad_output = allocate<float>(output_size);
        shared.indices = allocate<std::int64_t>(output_size);
        fill_random(shared.grad_output.get(), output_size, 0xD1B54A32D192ED03ULL);
        shared.output_capacity = output_size;
    }
    return shared;
}

problem make_problem(const suite_case& c, memory_layout layout) {
    arena& a = buffers_for(c);
    problem p;
    p.op = c.op;
    p.spatial = c.output_spatial.size();
    p.input_extents = c.input_extents;
    p.input_strides = strides_of(c.input_extents, layout);
    p.output_extents = output_extents_of(c);
    p.output_strides = strides_of(p.output_extents, layout);
    p.input = a.input.get();
    p.output = a.output.get();
    p.indices = a.indices.get();
    p.grad_output = a.grad_output.get();
    p.grad_input = a.grad_input.get();
    return p;
}

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_array(const std::vector<std::int64_t>& values) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = static_cast<std::ptrdiff_t>(values[d]);
    return result;
}

template <std::size_t Spatial>
std::function<void()> apool_forward_of_rank(const problem& p) {
    constexpr std::size_t rank = Spatial + 2;
    const apool::strided_view<const float, rank> input(p.input, to_array<rank>(p.input_extents), to_array<rank>(p.input_strides));
    const apool::strided_view<float, rank> output(p.output, to_array<rank>(p.output_extents), to_array<rank>(p.output_strides));
    if (p.op == pooling::average) return [=] { apool::adaptive_avg_pool<Spatial>(input, output); };
    const apool::strided_view<std::int64_t, rank> indices(p.indices, to_array<rank>(p.output_extents),
                                                          to_array<rank>(p.output_strides));
    return [=] { apool::adaptive_max_pool<Spatial>(input, output, indices); };
}

std::function<void()> apool_forward(const problem& p) {
    switch (p.spatial) {
        case 1: return apool_forward_of_rank<1>(p);
        case 2: return apool_forward_of_rank<2>(p);
        default: return apool_forward_of_rank<3>(p);
    }
}

/// apool's max without indices (the values-only overload), into p.output.
template <std::size_t Spatial>
std::function<void()> apool_max_values_of_rank(const problem& p) {
    constexpr std::size_t rank = Spatial + 2;
    const apool::strided_view<const float, rank> input(p.input, to_array<rank>(p.input_extents), to_array<rank>(p.input_strides));
    const apool::strided_view<float, rank> output(p.output, to_array<rank>(p.output_extents), to_array<rank>(p.output_strides));
    return [=] { apool::adaptive_max_pool<Spatial>(input, output); };
}

std::function<void()> apool_max_values(const problem& p) {
    switch (p.spatial) {
        case 1: return apool_max_values_of_rank<1>(p);
        case 2: return apool_max_values_of_rank<2>(p);
        default: return apool_max_values_of_rank<3>(p);
    }
}

/// The gradient into grad_input (overwriting it, as PyTorch's backward returns
/// a fresh tensor); max pooling reads the indices of an earlier forward call.
template <std::size_t Spatial>
std::function<void()> apool_backward_of_rank(const problem& p) {
    constexpr std::size_t rank = Spatial + 2;
    const apool::strided_view<const float, rank> grad_output(p.grad_output, to_array<rank>(p.output_extents),
                                                             to_array<rank>(p.output_strides));
    const apool::strided_view<float, rank> grad_input(p.grad_input, to_array<rank>(p.input_extents), to_array<rank>(p.input_strides));
    if (p.op == pooling::average) return [=] { apool::adaptive_avg_pool_backward<Spatial>(grad_output, grad_input); };
    const apool::strided_view<const std::int64_t, rank> indices(p.indices, to_array<rank>(p.output_extents),
                                                                to_array<rank>(p.output_strides));
    return [=] { apool::adaptive_max_pool_backward<Spatial>(grad_output, indices, grad_input); };
}

std::function<void()> apool_backward(const problem& p) {
    switch (p.spatial) {
        case 1: return apool_backward_of_rank<1>(p);
        case 2: return apool_backward_of_rank<2>(p);
        default: return apool_backward_of_rank<3>(p);
    }
}


/// A way of reading the input once, named for its counter (floor_<name>_ms).
struct read_floor {
    std::string name;
    std::function<void()> call;
};

/// The ways the read-once floor reads the input: the bench's own
/// eight-accumulator sum, the same with prefetcht0 and with prefetchnta ahead,
/// and PyTorch's at::sum where PyTorch is built in. The floor of a case is the
/// fastest of them on that case, so that a library's reduction that reads
/// faster than the bench's loop lowers the floor instead of passing under it.
std::vector<read_floor> read_floors(const float* data, std::size_t count) {
    std::vector<read_floor> floors;
    floors.push_back({"sum8", [=] { benchmark::DoNotOptimize(read_once(data, count)); }});
    floors.push_back({"prefetch", [=] { benchmark::DoNotOptimize(read_once<float, 3>(data, count)); }});
    floors.push_back({"prefetchnta", [=] { benchmark::DoNotOptimize(read_once<float, 0>(data, count)); }});
#if APOOL_BENCH_WITH_TORCH
    floors.push_back({"torch_sum", torch_read_once(data, static_cast<std::int64_t>(count))});
#endif
    return floors;
}

/// The write-once floor of a backward pass: `value` stored over `count`
/// elements with ordinary vector stores (as a kernel writes grad_input).
template <class T>
[[gnu::noinline]] void write_once(T* data, std::size_t count, T value) noexcept {
    using batch = xsimd::batch<T>;
    constexpr std::size_t width = batch::size;
    const batch v(value);
    std::size_t i = 0;
    for (; i + 4 * width <= count; i += 4 * width) {
        v.store_unaligned(data + i);
        v.store_unaligned(data + i + width);
        v.store_unaligned(data + i + 2 * width);
        v.store_unaligned(data + i + 3 * width);
    }
    for (; i < count; ++i) data[i] = value;
}

/// The read-and-write floor: one read of every buffer the call reads, then
/// one write of every buffer it writes. Forward: the input, then the output
/// (and the indices); backward: grad_output (and the indices), then
/// grad_input. It counts the output traffic that the read-once floor leaves
/// out, which matters where the output is a large part of the input (vgg:
/// a quarter).
void read_and_write_once(const problem& p, pass direction) noexcept {
    const auto in_elements = static_cast<std::size_t>(product(p.input_extents));
    const auto out_elements = static_cast<std::size_t>(product(p.output_extents));
    if (direction == pass::forward) {
        benchmark::DoNotOptimize(read_once(p.input, in_elements));
        write_once(p.output, out_elements, 0.0f);
        if (p.op == pooling::maximum) write_once(p.indices, out_elements, std::int64_t(0));
    } else {
        benchmark::DoNotOptimize(read_once(p.grad_output, out_elements));
        if (p.op == pooling::maximum) benchmark::DoNotOptimize(read_once<std::int64_t>(p.indices, out_elements));
        write_once(p.grad_input, in_elements, 0.0f);
    }
}

/// Seconds this thread has run. On a shared machine the wall clock also counts
/// the time other processes held the core, which the thread's CPU time leaves
/// out; on an idle machine the two agree.
double thread_seconds() {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
#else
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
#endif
}

template <class F>
double seconds_of(F& f) {
    const double start = thread_seconds();
    f();
    benchmark::ClobberMemory();
    return thread_seconds() - start;
}

struct entry {
    const suite_case* c;
    memory_layout layout;
    pass direction;
    std::string name;
};

#if APOOL_BENCH_WITH_TORCH
/// Checks once per benchmark that apool and PyTorch agree on these buffers, so
/// that a wrong stride in the harness cannot pass as a fast result.
bool agrees_with_torch(benchmark::State& state, const entry& e, const problem& p) {
    static std::set<std::string> checked;
    if (checked.count(e.name) != 0) return true;
    const torch_agreement agreement = compare_with_torch(p, e.direction == pass::backward);
    const double tolerance = p.op == pooling::average ? 1e-4 : 0.0;
    if (!(agreement.max_abs_difference <= tolerance) || agreement.index_mismatches != 0) {
        const std::string message = "apool and PyTorch disagree: max |difference| " + std::to_string(agreement.max_abs_difference) +
                                    ", index mismatches " + std::to_string(agreement.index_mismatches);
        state.SkipWithError(message.c_str());
        return false;
    }
    checked.insert(e.name);
    return true;
}
#endif

/// A peer library's forward kernel for one benchmark, with its counters'
/// prefix and its agreement with apool, checked once before timing.
struct peer_run {
    std::string name;
    peer_kernel kernel;
    bool agrees = false;
    double max_abs_difference = 0;
};

/// The peers built in that compute this forward problem. Each peer's kernel
/// is prepared once (oneDNN's primitive is created here), run once, and its
/// output compared with apool's, which must already be in p.output: values
/// within 1e-4 for average pooling (a different summation order), equal for
/// max. A peer that disagrees is still timed, and its row flagged.
std::vector<peer_run> peers_for(const problem& p) {
    std::vector<peer_run> peers;
    auto add = [&](const char* name, peer_kernel kernel) {
        if (!kernel.run) return;
        peer_run r{name, std::move(kernel)};
        r.kernel.run();
        const auto count = static_cast<std::size_t>(product(p.output_extents));
        for (std::size_t i = 0; i < count; ++i) {
            const double difference = std::fabs(double(r.kernel.output[i]) - double(p.output[i]));
            if (!(difference <= r.max_abs_difference)) r.max_abs_difference = std::isnan(difference) ? INFINITY : difference;
        }
        r.agrees = r.max_abs_difference <= (p.op == pooling::average ? 1e-4 : 0.0);
        peers.push_back(std::move(r));
    };
#if APOOL_BENCH_WITH_ONEDNN
    add("onednn", onednn_forward(p));
#endif
#if APOOL_BENCH_WITH_OPENCV
    add("opencv", opencv_forward(p));
#endif
    (void)add;
    return peers;
}

/// One of the calls an iteration times, and its total seconds.
struct contender {
    std::function<void()> call;
    double seconds = 0;
};

void run(benchmark::State& state, const entry& e) {
    const problem p = make_problem(*e.c, e.layout);
    const std::size_t elements = static_cast<std::size_t>(product(p.input_extents));
    // The forward call also makes the indices that max pooling's backward reads.
    apool_forward(p)();
    std::function<void()> ours;
    std::vector<read_floor> floors;
    if (e.direction == pass::forward) {
        ours = apool_forward(p);
        floors = read_floors(p.input, elements);
    } else {
        ours = apool_backward(p);
        // The faster of the bench's vector stores and the C library's memset
        // (which streams past the caches where the buffer is large).
        floors.push_back({"write", [&] { write_once(p.grad_input, elements, 0.0f); }});
        floors.push_back({"memset", [&] { std::memset(static_cast<void*>(p.grad_input), 0, elements * sizeof(float)); }});
        ours();
    }
    std::function<void()> torch;
#if APOOL_BENCH_WITH_TORCH
    if (!agrees_with_torch(state, e, p)) return;
    torch = e.direction == pass::forward ? torch_forward(p) : torch_backward(p);
#endif
    std::vector<peer_run> peers;
    if (e.direction == pass::forward) peers = peers_for(p);

    // Contenders in rotation: apool first, then the floors, the
    // read-and-write floor, PyTorch and the peers.
    std::vector<contender> contenders;
    contenders.push_back({ours});
    const std::size_t first_floor = contenders.size();
    for (const read_floor& f : floors) contenders.push_back({f.call});
    const std::size_t read_write = contenders.size();
    contenders.push_back({[&] { read_and_write_once(p, e.direction); }});
    const std::size_t torch_at = contenders.size();
    if (torch) contenders.push_back({torch});
    const std::size_t first_peer = contenders.size();
    for (const peer_run& peer : peers) contenders.push_back({peer.kernel.run});
    // The peers compute a max's values only (oneDNN's forward-inference max
    // has no indices), so their ratio is to apool's values-only max, timed in
    // the same rotation; the benchmark's own time stays the indexed call that
    // PyTorch's is compared with.
    std::size_t like_for_like = 0;
    if (!peers.empty() && p.op == pooling::maximum) {
        like_for_like = contenders.size();
        contenders.push_back({apool_max_values(p)});
    }

    std::size_t turn = 0;
    for (auto _ : state) {
        double this_iteration = 0;
        for (std::size_t k = 0; k < contenders.size(); ++k) {
            const std::size_t which = (turn + k) % contenders.size();
            const double seconds = seconds_of(contenders[which].call);
            contenders[which].seconds += seconds;
            if (which == 0) this_iteration = seconds;
        }
        state.SetIterationTime(this_iteration);
        ++turn;
    }
    const double iterations = static_cast<double>(state.iterations());
    const double ours_seconds = contenders[0].seconds;
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(elements * sizeof(float)));
    double floor_seconds = INFINITY;
    for (std::size_t f = 0; f < floors.size(); ++f) {
        const double seconds = contenders[first_floor + f].seconds;
        if (e.direction == pass::forward) state.counters["floor_" + floors[f].name + "_ms"] = seconds / iterations * 1e3;
        floor_seconds = std::min(floor_seconds, seconds);
    }
    state.counters["floor_ms"] = floor_seconds / iterations * 1e3;
    state.counters["vs_floor"] = ours_seconds / floor_seconds;
    state.counters["read_write_ms"] = contenders[read_write].seconds / iterations * 1e3;
    state.counters["vs_read_write"] = ours_seconds / contenders[read_write].seconds;
    if (torch) {
        state.counters["torch_ms"] = contenders[torch_at].seconds / iterations * 1e3;
        state.counters["torch_speedup"] = contenders[torch_at].seconds / ours_seconds;
    }
    if (like_for_like != 0) state.counters["values_only_ms"] = contenders[like_for_like].seconds / iterations * 1e3;
    std::string label;
    for (std::size_t k = 0; k < peers.size(); ++k) {
        const peer_run& peer = peers[k];
        const double seconds = contenders[first_peer + k].seconds;
        state.counters[peer.name + "_ms"] = seconds / iterations * 1e3;
        state.counters[peer.name + "_speedup"] = seconds / contenders[like_for_like].seconds;
        state.counters[peer.name + "_agrees"] = peer.agrees ? 1 : 0;
        state.counters[peer.name + "_max_abs_diff"] = peer.max_abs_difference;
        label += (label.empty() ? "" : "; ") + peer.name + ": " + peer.kernel.implementation;
    }
    if (!label.empty()) state.SetLabel(label);
}

std::vector<entry>& entries() {
    static std::vector<entry> all;
    return all;
}

void register_suite() {
    for (const auto& c : suite()) {
        // Every case in both layouts; for 1D, channels-last is (N, L, C) memory.
        for (memory_layout layout : {memory_layout::contiguous, memory_layout::channels_last}) {
            for (pass direction : {pass::forward, pass::backward}) {
                entry e{&c, layout, direction,
                        std::string(c.name) + (layout == memory_layout::contiguous ? "/contiguous" : "/channels_last") +
                            (direction == pass::forward ? "/forward" : "/backward")};
                entries().push_back(e);
            }
        }
    }
    for (const entry& e : entries()) {
        benchmark::RegisterBenchmark(e.name.c_str(), [&e](benchmark::State& state) { run(state, e); })
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
    }
}

/// "model name (family F, model M)" of the first CPU in /proc/cpuinfo: under a
/// hypervisor the name alone may be as vague as "AMD EPYC".
std::string cpu_model() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    std::string name = "unknown";
    std::string family;
    std::string model;
    auto value_of = [&] { return line.substr(line.find(':') + 2); };
    while (std::getline(cpuinfo, line) && !line.empty()) {
        if (line.rfind("model name", 0) == 0) name = value_of();
        if (line.rfind("cpu family", 0) == 0) family = value_of();
        if (line.rfind("model\t", 0) == 0) model = value_of();
    }
    if (family.empty() || model.empty()) return name;
    return name + " (family " + family + ", model " + model + ")";
}

std::string compiler() {
#if defined(__clang__)
    std::string version = __clang_version__;  // ends in a space
    while (!version.empty() && version.back() == ' ') version.pop_back();
    return "clang " + version;
#elif defined(__GNUC__)
    return std::string("gcc ") + __VERSION__;
#else
    return "unknown";
#endif
}

void describe_build() {
    benchmark::AddCustomContext("cpu_model", cpu_model());
    benchmark::AddCustomContext("compiler", compiler());
    benchmark::AddCustomContext("build_flags", APOOL_BENCH_BUILD_FLAGS);
    benchmark::AddCustomContext("xsimd_version", std::to_string(XSIMD_VERSION_MAJOR) + "." + std::to_string(XSIMD_VERSION_MINOR) +
                                                     "." + std::to_string(XSIMD_VERSION_PATCH));
    benchmark::AddCustomContext("simd_arch", std::string(xsimd::default_arch::name()) + ", " + std::to_string(xsimd::batch<float>::size) + " float lanes");
    benchmark::AddCustomContext("apool_version", std::to_string(APOOL_VERSION_MAJOR) + "." + std::to_string(APOOL_VERSION_MINOR) + "." +
                                                     std::to_string(APOOL_VERSION_PATCH));
#if APOOL_BENCH_WITH_TORCH
    benchmark::AddCustomContext("torch_version", torch_version());
#else
    benchmark::AddCustomContext("torch_version", "not built (APOOL_BENCH_TORCH=OFF)");
#endif
#if APOOL_BENCH_WITH_ONEDNN
    benchmark::AddCustomContext("onednn_version", onednn_description());
#else
    benchmark::AddCustomContext("onednn_version", "not built (APOOL_BENCH_ONEDNN=OFF or oneDNN not found)");
#endif
#if APOOL_BENCH_WITH_OPENCV
    benchmark::AddCustomContext("opencv_version", opencv_version());
#else
    benchmark::AddCustomContext("opencv_version", "not built (APOOL_BENCH_OPENCV=OFF or OpenCV not found)");
#endif
}

}  // namespace
}  // namespace apool_bench

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#if APOOL_BENCH_WITH_TORCH
    apool_bench::torch_use_one_thread();
#if defined(__GLIBC__)
    // PyTorch's backward kernels return a new grad_input (up to 268 MB here).
    // glibc would mmap and unmap each one, so every call would also pay for
    // page faults on fresh pages, an allocator cost that swings with the load
    // on the machine. Served from a heap that is never trimmed, each call
    // reuses the last call's pages and the kernel is timed on warm memory,
    // as apool is.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_TRIM_THRESHOLD, -1);
#endif
#endif
#if APOOL_BENCH_WITH_ONEDNN
    apool_bench::onednn_use_one_thread();
#endif
#if APOOL_BENCH_WITH_OPENCV
    apool_bench::opencv_use_one_thread();
#endif
    apool_bench::describe_build();
    apool_bench::register_suite();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
