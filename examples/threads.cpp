// Parallel calls: the same pooling on the caller's threads through an
// executor: apool::thread_pool, a plain sequential lambda, OpenMP (when built
// with it) and oneTBB (when found). Every one writes the same bytes as the
// call without an executor; the program checks that and prints the times.
#include <apool/apool.hpp>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <vector>

#if APOOL_EXAMPLE_WITH_TBB
#include <tbb/parallel_for.h>
#endif

namespace {

// A 1080p RGB image (channels-last, batch 1) pooled to 224 x 224.
constexpr std::ptrdiff_t height = 1080, width = 1920, channels = 3, side = 224;

template <class... Executor>
double pool_image(const std::vector<float>& image, std::vector<float>& pooled, Executor&&... executor) {
    const apool::strided_view<const float, 4> input(image.data(), {1, channels, height, width},
                                                    {height * width * channels, 1, width * channels, channels});
    const auto output = apool::pooled_view(pooled.data(), input, {side, side});
    const auto start = std::chrono::steady_clock::now();
    apool::adaptive_avg_pool2d(input, output, executor...);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
    std::vector<float> image(static_cast<std::size_t>(height * width * channels));
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>((i * 7919) % 256) / 255.0f;
    std::vector<float> expected(static_cast<std::size_t>(side * side * channels)), pooled(expected.size());
    std::printf("1080p RGB image, channels-last, to 224 x 224 (average)\n");
    std::printf("  %-34s %7.2f ms\n", "no executor", pool_image(image, expected));

    bool all_same = true;
    auto report = [&](const char* name, double ms) {
        const bool same = std::memcmp(pooled.data(), expected.data(), pooled.size() * sizeof(float)) == 0;
        all_same = all_same && same;
        std::printf("  %-34s %7.2f ms  %s\n", name, ms, same ? "same bytes" : "DIFFERENT BYTES");
    };

    apool::thread_pool pool;  // one thread per hardware thread
    pool_image(image, pooled, pool);  // the workers' first call wakes them
    char pool_name[64];
    std::snprintf(pool_name, sizeof pool_name, "apool::thread_pool of %zu threads", pool.size());
    report(pool_name, pool_image(image, pooled, pool));

    auto sequential = [](std::ptrdiff_t count, auto&& task) {
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    };
    report("a sequential lambda", pool_image(image, pooled, sequential));

#ifdef _OPENMP
    auto openmp = [](std::ptrdiff_t count, auto&& task) {
#pragma omp parallel for
        for (std::ptrdiff_t i = 0; i < count; ++i) task(i);
    };
    report("OpenMP", pool_image(image, pooled, openmp));
#endif

#if APOOL_EXAMPLE_WITH_TBB
    auto onetbb = [](std::ptrdiff_t count, auto&& task) { tbb::parallel_for(std::ptrdiff_t(0), count, task); };
    report("oneTBB", pool_image(image, pooled, onetbb));
#endif

    return all_same ? 0 : 1;
}
