// 3D pooling of a video clip, [N, C, T, H, W] in channels-last-3d memory
// (NDHWC, PyTorch's torch.channels_last_3d): pooled over space and time to
// 1 x 1 x 1 for a clip descriptor, and over space only, keeping every frame
// (apool::keep for T, PyTorch's output_size=(None, 1, 1)), for a per-frame one.
#include <apool/apool.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main() {
    const std::ptrdiff_t n = 2, c = 64, t = 16, h = 28, w = 28;
    std::vector<float> clip(static_cast<std::size_t>(n * c * t * h * w));
    std::mt19937 random(5);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    for (float& v : clip) v = uniform(random);
    const std::ptrdiff_t strides[5] = {t * h * w * c, 1, h * w * c, w * c, c};  // NDHWC
    apool::strided_view<const float, 5> input(clip.data(), {n, c, t, h, w}, {strides[0], strides[1], strides[2], strides[3], strides[4]});

    bool ok = true;
    const std::ptrdiff_t sizes[2][3] = {{1, 1, 1}, {apool::keep, 1, 1}};
    for (const auto& size : sizes) {
        const std::array<std::ptrdiff_t, 3> output_size{size[0], size[1], size[2]};
        const auto extents = apool::pooled_extents(input.extents(), output_size);
        std::vector<float> pooled(static_cast<std::size_t>(apool::element_count(extents)));
        const auto output = apool::pooled_view(pooled.data(), input, output_size);
        const auto start = std::chrono::steady_clock::now();
        apool::adaptive_avg_pool3d(input, output);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        std::printf("output_size (%s, 1, 1): output [%td, %td, %td, %td, %td], %.2f ms\n", size[0] == apool::keep ? "keep" : "1",
                    extents[0], extents[1], extents[2], extents[3], extents[4], ms);
        // Frame 0 of image 0, channel 0: the plain mean over its frames.
        const std::ptrdiff_t frames = extents[2] == 1 ? t : 1;
        double sum = 0.0;
        for (std::ptrdiff_t f = 0; f < frames; ++f)
            for (std::ptrdiff_t y = 0; y < h; ++y)
                for (std::ptrdiff_t x = 0; x < w; ++x) sum += clip[static_cast<std::size_t>(f * strides[2] + y * strides[3] + x * strides[4])];
        ok = ok && std::fabs(output(0, 0, 0, 0, 0) - sum / static_cast<double>(frames * h * w)) < 1e-5;
    }
    std::printf(ok ? "averages agree with a plain loop\n" : "MISMATCH against a plain loop\n");
    return ok ? 0 : 1;
}
