// PSPNet's pyramid pooling module: one channels-last (NHWC) feature map
// average-pooled to 1x1, 2x2, 3x3 and 6x6 bins. Each level's output is in the
// input's memory order (channels-last), from apool::pooled_view: no strides
// written by hand. (The module then reduces each level's channels with a 1x1
// convolution, upsamples it back to 60x60 and concatenates; that is not
// pooling and is left out.)
#include <apool/apool.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main() {
    const std::ptrdiff_t n = 1, c = 512, h = 60, w = 60;  // a 473x473 crop at stride 8
    std::vector<float> features(static_cast<std::size_t>(n * h * w * c));  // NHWC memory
    std::mt19937 random(3);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    for (float& f : features) f = uniform(random);
    apool::strided_view<const float, 4> input(features.data(), {n, c, h, w}, {h * w * c, 1, w * c, c});

    bool ok = true;
    for (std::ptrdiff_t bins : {1, 2, 3, 6}) {
        std::vector<float> level(static_cast<std::size_t>(apool::element_count(apool::pooled_extents(input.extents(), {bins, bins}))));
        const auto output = apool::pooled_view(level.data(), input, {bins, bins});
        const auto start = std::chrono::steady_clock::now();
        apool::adaptive_avg_pool2d(input, output);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        std::printf("%td x %td bins: output [%td, %td, %td, %td], strides [%td, %td, %td, %td] (channels-last), %.2f ms\n", bins,
                    bins, output.extent(0), output.extent(1), output.extent(2), output.extent(3), output.stride(0), output.stride(1),
                    output.stride(2), output.stride(3), ms);
        // The last bin's window ends at the map's edge: check one channel of it.
        const std::ptrdiff_t channel = c - 1, start_h = (bins - 1) * h / bins, start_w = (bins - 1) * w / bins;
        double sum = 0.0;
        for (std::ptrdiff_t y = start_h; y < h; ++y)
            for (std::ptrdiff_t x = start_w; x < w; ++x) sum += features[static_cast<std::size_t>((y * w + x) * c + channel)];
        const double expected = sum / static_cast<double>((h - start_h) * (w - start_w));
        ok = ok && output.stride(1) == 1 && std::fabs(output(0, channel, bins - 1, bins - 1) - expected) < 1e-5;
    }
    std::printf(ok ? "levels agree with a plain loop\n" : "MISMATCH against a plain loop\n");
    return ok ? 0 : 1;
}
