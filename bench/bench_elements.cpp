// apool benchmarks for the element types beside float and double: bfloat16,
// float16 and uint8 forward pooling, one thread, each run timing apool, the
// read-once floor of the same bytes (a vector sum of the input's 16-bit or
// 8-bit words), apool on the same data as float, and where built in PyTorch
// (bfloat16 and float16 kernels, where 1.13 has them) and OpenCV (INTER_AREA
// on HWC byte images at whole scales), interleaved. Counters: each one's
// milliseconds (median of the run's rounds) and apool's ratio to each.
//
// `apool_bench_elements --numerics [photo.png ...]` instead prints how often
// and by how much apool's uint8 average differs from PyTorch's quantized
// adaptive_avg_pool2d (scale 1, zero point 0) and from OpenCV's INTER_AREA, on
// random bytes and on the photos given (read with stb_image).
#include <apool/apool.hpp>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "read_floor.hpp"

#if APOOL_BENCH_WITH_TORCH
#include "torch_pooling.hpp"
#endif
#if APOOL_BENCH_WITH_OPENCV
#include "opencv_pooling.hpp"
#endif
#if APOOL_BENCH_WITH_STB
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#endif

namespace {

using extents4 = std::array<std::ptrdiff_t, 4>;

/// One case: an input of 4 dims (N, C, H, W logically), its layout, the output size.
struct element_case {
    const char* name;
    extents4 input;
    std::ptrdiff_t out_height, out_width;
    bool channels_last;
    bool average;
};

const element_case tensor_cases[] = {
    {"resnet_head_gap", {32, 2048, 7, 7}, 1, 1, false, true},
    {"resnet_head_gap_max", {32, 2048, 7, 7}, 1, 1, false, false},
    {"spp_13_to_4", {32, 512, 13, 13}, 4, 4, false, true},
    {"vgg_14_to_7_max", {32, 512, 14, 14}, 7, 7, false, false},
    {"max_56_to_7", {8, 64, 56, 56}, 7, 7, false, false},
    {"avg_56_to_7", {8, 64, 56, 56}, 7, 7, false, true},
    {"vgg_14_to_7_max", {32, 512, 14, 14}, 7, 7, true, false},
    {"resnet_head_gap", {32, 2048, 7, 7}, 1, 1, true, true},
};

/// HWC byte images (one image, 3 channels innermost).
const element_case image_cases[] = {
    {"image_by_2", {1, 3, 1080, 1920}, 540, 960, true, true},
    {"image_by_5", {1, 3, 1080, 1920}, 216, 384, true, true},
    {"image_to_224", {1, 3, 1080, 1920}, 224, 224, true, true},
    {"photo_by_2", {1, 3, 512, 512}, 256, 256, true, true},
};

extents4 strides_of(const extents4& e, bool channels_last) {
    if (!channels_last) return {e[1] * e[2] * e[3], e[2] * e[3], e[3], 1};
    return {e[1] * e[2] * e[3], 1, e[3] * e[1], e[1]};
}

template <class T>
T from_float(float value) {
    if constexpr (std::is_integral<T>::value) {
        return static_cast<T>(value);
    } else {
        return T(value);
    }
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values.empty() ? 0.0 : values[values.size() / 2];
}

template <class T>
void run_case(benchmark::State& state, const element_case& c) {
    const extents4 in_extents = c.input;
    const extents4 out_extents{c.input[0], c.input[1], c.out_height, c.out_width};
    const std::size_t count = static_cast<std::size_t>(in_extents[0] * in_extents[1] * in_extents[2] * in_extents[3]);
    const std::size_t outputs = static_cast<std::size_t>(out_extents[0] * out_extents[1] * out_extents[2] * out_extents[3]);
    std::vector<T> input(count);
    std::vector<float> input_float(count);
    std::mt19937 random(7);
    std::uniform_int_distribution<int> byte(0, 255);
    for (std::size_t i = 0; i < count; ++i) {
        input_float[i] = std::is_integral<T>::value ? static_cast<float>(byte(random)) : static_cast<float>(byte(random) - 128) / 32.0f;
        input[i] = from_float<T>(input_float[i]);
    }
    std::vector<T> output(outputs);
    std::vector<float> output_float(outputs);
    const extents4 in_strides = strides_of(in_extents, c.channels_last), out_strides = strides_of(out_extents, c.channels_last);
    const apool::strided_view<const T, 4> in(input.data(), in_extents, in_strides);
    const apool::strided_view<T, 4> out(output.data(), out_extents, out_strides);
    const apool::strided_view<const float, 4> in_float(input_float.data(), in_extents, in_strides);
    const apool::strided_view<float, 4> out_float(output_float.data(), out_extents, out_strides);
    auto apool_call = [&] { c.average ? apool::adaptive_avg_pool2d(in, out) : apool::adaptive_max_pool2d(in, out); };
    auto float_call = [&] { c.average ? apool::adaptive_avg_pool2d(in_float, out_float) : apool::adaptive_max_pool2d(in_float, out_float); };
    using word = std::conditional_t<sizeof(T) == 2, std::uint16_t, std::uint8_t>;
    const word* words = reinterpret_cast<const word*>(input.data());
    auto floor_call = [&] { benchmark::DoNotOptimize(apool_bench::read_once(words, count)); };
    std::function<void()> peer;
    const char* peer_name = "";
#if APOOL_BENCH_WITH_TORCH
    if constexpr (sizeof(T) == 2) {
        peer = apool_bench::torch_forward_16bit(input.data(), std::is_same<T, apool::bfloat16>::value, {in_extents.begin(), in_extents.end()},
                                                {in_strides.begin(), in_strides.end()}, {c.out_height, c.out_width}, c.average);
        peer_name = "torch";
    }
#endif
#if APOOL_BENCH_WITH_OPENCV
    if constexpr (std::is_same<T, std::uint8_t>::value) {
        if (c.channels_last && in_extents[0] == 1 && in_extents[2] % c.out_height == 0 && in_extents[3] % c.out_width == 0) {
            peer = apool_bench::opencv_area_bytes(input.data(), static_cast<int>(in_extents[2]), static_cast<int>(in_extents[3]),
                                                  static_cast<int>(in_extents[1]), static_cast<int>(c.out_height),
                                                  static_cast<int>(c.out_width), output.data());
            peer_name = "opencv";
        }
    }
#endif
    std::vector<double> apool_ms, floor_ms, float_ms, peer_ms;
    auto timed = [](auto&& call) {
        const auto start = std::chrono::steady_clock::now();
        call();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    };
    for (auto _ : state) {
        apool_ms.push_back(timed(apool_call));
        floor_ms.push_back(timed(floor_call));
        float_ms.push_back(timed(float_call));
        if (peer) peer_ms.push_back(timed(peer));
    }
    const double a = median(apool_ms);
    state.counters["apool_ms"] = a;
    state.counters["floor_ms"] = median(floor_ms);
    state.counters["float_ms"] = median(float_ms);
    state.counters["apool_per_floor"] = a / median(floor_ms);
    state.counters["apool_per_float"] = a / median(float_ms);
    if (peer) {
        state.counters[std::string(peer_name) + "_ms"] = median(peer_ms);
        state.counters[std::string(peer_name) + "_per_apool"] = median(peer_ms) / a;
    }
}

void register_all() {
    for (const element_case& c : tensor_cases) {
        const std::string layout = c.channels_last ? "/channels_last" : "/nchw";
        benchmark::RegisterBenchmark((std::string(c.name) + layout + "/bfloat16").c_str(),
                                     [c](benchmark::State& s) { run_case<apool::bfloat16>(s, c); });
        benchmark::RegisterBenchmark((std::string(c.name) + layout + "/float16").c_str(),
                                     [c](benchmark::State& s) { run_case<apool::float16>(s, c); });
        benchmark::RegisterBenchmark((std::string(c.name) + layout + "/uint8").c_str(),
                                     [c](benchmark::State& s) { run_case<std::uint8_t>(s, c); });
    }
    for (const element_case& c : image_cases) {
        benchmark::RegisterBenchmark((std::string(c.name) + "/hwc/uint8").c_str(), [c](benchmark::State& s) { run_case<std::uint8_t>(s, c); });
    }
}

/// How apool's byte averages differ from another's: outputs that differ, and the largest difference.
void report(const char* what, const std::vector<std::uint8_t>& ours, const std::vector<std::uint8_t>& theirs) {
    std::size_t differ = 0;
    int largest = 0;
    for (std::size_t i = 0; i < ours.size(); ++i) {
        const int d = std::abs(int(ours[i]) - int(theirs[i]));
        differ += d != 0 ? 1 : 0;
        largest = std::max(largest, d);
    }
    std::printf("  %-44s %8zu of %8zu differ (%6.2f%%), largest difference %d\n", what, differ, ours.size(),
                100.0 * static_cast<double>(differ) / static_cast<double>(ours.size()), largest);
}

/// One HWC byte image pooled by whole factors: apool against PyTorch's quantized kernel and OpenCV.
void compare_image(const char* name, const std::vector<std::uint8_t>& hwc, int height, int width, int channels) {
    std::printf("%s (%dx%dx%d):\n", name, height, width, channels);
    for (int factor : {2, 3, 5}) {
        const int oh = height / factor, ow = width / factor;
        const int h = oh * factor, w = ow * factor;  // the whole-factor crop
        std::vector<std::uint8_t> crop(static_cast<std::size_t>(h * w * channels)), nchw(crop.size());
        for (int y = 0; y < h; ++y) {
            for (int x = 0; x < w; ++x) {
                for (int k = 0; k < channels; ++k) {
                    const std::uint8_t v = hwc[static_cast<std::size_t>((y * width + x) * channels + k)];
                    crop[static_cast<std::size_t>((y * w + x) * channels + k)] = v;
                    nchw[static_cast<std::size_t>((k * h + y) * w + x)] = v;
                }
            }
        }
        std::vector<std::uint8_t> ours(static_cast<std::size_t>(oh * ow * channels));
        apool::adaptive_avg_pool2d(apool::strided_view<const std::uint8_t, 3>(crop.data(), {channels, h, w}, {1, w * channels, channels}),
                                   apool::strided_view<std::uint8_t, 3>(ours.data(), {channels, oh, ow}, {1, ow * channels, channels}));
        std::printf(" pooled by %d:\n", factor);
#if APOOL_BENCH_WITH_TORCH
        const std::vector<std::uint8_t> torch_nchw = apool_bench::torch_quantized_average(nchw.data(), channels, h, w, oh, ow);
        std::vector<std::uint8_t> torch_hwc(ours.size());
        for (int k = 0; k < channels; ++k) {
            for (int i = 0; i < oh * ow; ++i) torch_hwc[static_cast<std::size_t>(i * channels + k)] = torch_nchw[static_cast<std::size_t>(k * oh * ow + i)];
        }
        report("PyTorch quantized adaptive_avg_pool2d", ours, torch_hwc);
#endif
#if APOOL_BENCH_WITH_OPENCV
        std::vector<std::uint8_t> opencv(ours.size());
        apool_bench::opencv_area_bytes(crop.data(), h, w, channels, oh, ow, opencv.data())();
        report("OpenCV resize INTER_AREA", ours, opencv);
#endif
    }
}

int numerics(int argc, char** argv) {
    std::mt19937 random(11);
    std::uniform_int_distribution<int> byte(0, 255);
    const int height = 1080, width = 1920;
    std::vector<std::uint8_t> noise(static_cast<std::size_t>(height * width * 3));
    for (auto& v : noise) v = static_cast<std::uint8_t>(byte(random));
    compare_image("uniform random bytes", noise, height, width, 3);
#if APOOL_BENCH_WITH_STB
    for (int i = 2; i < argc; ++i) {
        int w = 0, h = 0, channels = 0;
        unsigned char* pixels = stbi_load(argv[i], &w, &h, &channels, 3);
        if (pixels == nullptr) {
            std::fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        compare_image(argv[i], std::vector<std::uint8_t>(pixels, pixels + w * h * 3), h, w, 3);
        stbi_image_free(pixels);
    }
#else
    if (argc > 2) std::fprintf(stderr, "built without stb_image (libstb-dev): photos are skipped\n");
#endif
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--numerics") == 0) return numerics(argc, argv);
#if APOOL_BENCH_WITH_TORCH
    apool_bench::torch_use_one_thread();
#endif
#if APOOL_BENCH_WITH_OPENCV
    apool_bench::opencv_use_one_thread();
#endif
    register_all();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
