// The program every consumer project builds: one apool call through the
// consumer's route (add_subdirectory, FetchContent, find_package, pkg-config),
// checked against a plain loop. Exit status 0 means the route works.
#include <apool/apool.hpp>

#include <cstdio>
#include <vector>

// tests/packaging/check_newest_dependencies.sh builds the consumers against
// another xsimd than the system's; this makes sure that is the one they got.
#if defined(APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR) && XSIMD_VERSION_MAJOR != APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR
#error "the consumer was compiled against another xsimd major version than APOOL_CONSUMER_EXPECTED_XSIMD_MAJOR"
#endif

int main() {
    constexpr std::ptrdiff_t height = 4, width = 6, pooled_height = 2, pooled_width = 3;
    std::vector<float> image(height * width);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 5);

    std::vector<float> pooled(pooled_height * pooled_width);
    apool::adaptive_avg_pool2d(apool::strided_view<const float, 2>(image.data(), {height, width}),
                               apool::strided_view<float, 2>(pooled.data(), {pooled_height, pooled_width}));

    // 4 -> 2 and 6 -> 3 make disjoint 2x2 windows. Sums of four small integers
    // and their quarters are exact in float, so any summation order gives the
    // same bits and == is the right comparison.
    int mismatches = 0;
    for (std::ptrdiff_t y = 0; y < pooled_height; ++y) {
        for (std::ptrdiff_t x = 0; x < pooled_width; ++x) {
            float sum = 0.0f;
            for (std::ptrdiff_t dy = 0; dy < 2; ++dy)
                for (std::ptrdiff_t dx = 0; dx < 2; ++dx) sum += image[(2 * y + dy) * width + 2 * x + dx];
            const float expected = sum / 4.0f;
            const float actual = pooled[y * pooled_width + x];
            if (actual != expected) {
                std::printf("output (%td, %td): expected %g, got %g\n", y, x, static_cast<double>(expected),
                            static_cast<double>(actual));
                ++mismatches;
            }
        }
    }
    std::printf("apool consumer (%s, xsimd %d.%d.%d): %s\n", APOOL_CONSUMER_ROUTE, XSIMD_VERSION_MAJOR,
                XSIMD_VERSION_MINOR, XSIMD_VERSION_PATCH, mismatches == 0 ? "ok" : "FAILED");
    return mismatches == 0 ? 0 : 1;
}
