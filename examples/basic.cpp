// Pools a small NCHW batch and the same data in channels-last memory, without copies.
#include <apool/apool.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

int main() {
    constexpr std::ptrdiff_t n = 1, c = 2, h = 5, w = 5;
    std::vector<float> image(n * c * h * w);
    for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 7);

    // NCHW input, 3x3 output.
    std::vector<float> pooled(n * c * 3 * 3);
    std::vector<std::int64_t> where(pooled.size());
    apool::strided_view<const float, 4> input(image.data(), {n, c, h, w});
    apool::strided_view<float, 4> output(pooled.data(), {n, c, 3, 3});
    apool::adaptive_max_pool2d(input, output, apool::strided_view<std::int64_t, 4>(where.data(), {n, c, 3, 3}));

    std::printf("max pool 5x5 -> 3x3, channel 0:\n");
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) std::printf("  %4.1f (at %2lld)", pooled[i * 3 + j], static_cast<long long>(where[i * 3 + j]));
        std::printf("\n");
    }

    // The same logical tensor read as channels-last (NHWC memory): only the strides change.
    std::vector<float> nhwc(image.size());
    for (std::ptrdiff_t ch = 0; ch < c; ++ch)
        for (std::ptrdiff_t y = 0; y < h; ++y)
            for (std::ptrdiff_t x = 0; x < w; ++x) nhwc[(y * w + x) * c + ch] = image[(ch * h + y) * w + x];
    apool::strided_view<const float, 4> channels_last(nhwc.data(), {n, c, h, w}, {h * w * c, 1, w * c, c});
    std::vector<float> averaged(n * c * 1 * 1);
    apool::adaptive_avg_pool2d(channels_last, apool::strided_view<float, 4>(averaged.data(), {n, c, 1, 1}));
    std::printf("global average per channel: %.4f %.4f\n", averaged[0], averaged[1]);

    std::printf("windows for 5 -> 3:");
    for (apool::window win : apool::adaptive_windows(5, 3)) std::printf(" [%td, %td)", win.start, win.end);
    std::printf("\n");
}
