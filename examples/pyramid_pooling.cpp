// PSPNet's pyramid pooling module: one channels-last (NHWC) feature map
// average-pooled to 1x1, 2x2, 3x3 and 6x6 bins by one call that reads the
// map once (apool::adaptive_avg_pool2d_pyramid), and SPP's 1, 2, 4 max
// pyramid with its indices. Each level's output is in the input's memory
// order (channels-last), from apool::pooled_view: no strides written by
// hand. Each level is checked against its own call, byte for byte, and one
// bin against a plain loop. (The module then reduces each level's channels
// with a 1x1 convolution, upsamples it back to 60x60 and concatenates; that
// is not pooling and is left out.)
#include <apool/apool.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

int main() {
    const std::ptrdiff_t n = 1, c = 512, h = 60, w = 60;  // a 473x473 crop at stride 8
    std::vector<float> features(static_cast<std::size_t>(n * h * w * c));  // NHWC memory
    std::mt19937 random(3);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    for (float& f : features) f = uniform(random);
    apool::strided_view<const float, 4> input(features.data(), {n, c, h, w}, {h * w * c, 1, w * c, c});

    // PSPNet: four outputs, one call.
    constexpr std::array<std::ptrdiff_t, 4> bins{1, 2, 3, 6};
    std::array<std::vector<float>, 4> levels;
    std::array<apool::strided_view<float, 4>, 4> outputs;
    for (std::size_t k = 0; k < bins.size(); ++k) {
        levels[k].resize(static_cast<std::size_t>(apool::element_count(apool::pooled_extents(input.extents(), {bins[k], bins[k]}))));
        outputs[k] = apool::pooled_view(levels[k].data(), input, {bins[k], bins[k]});
    }
    apool::adaptive_avg_pool2d_pyramid(input, outputs);

    bool ok = true;
    for (std::size_t k = 0; k < bins.size(); ++k) {
        const apool::strided_view<float, 4>& output = outputs[k];
        std::vector<float> alone(levels[k].size());
        apool::adaptive_avg_pool2d(input, apool::pooled_view(alone.data(), input, {bins[k], bins[k]}));
        std::printf("%td x %td bins: output [%td, %td, %td, %td], strides [%td, %td, %td, %td] (channels-last)\n", bins[k], bins[k],
                    output.extent(0), output.extent(1), output.extent(2), output.extent(3), output.stride(0), output.stride(1),
                    output.stride(2), output.stride(3));
        ok = ok && std::memcmp(alone.data(), levels[k].data(), alone.size() * sizeof(float)) == 0;
        // The last bin's window ends at the map's edge: check one channel of it.
        const std::ptrdiff_t last = bins[k] - 1, channel = c - 1, start_h = last * h / bins[k], start_w = last * w / bins[k];
        double sum = 0.0;
        for (std::ptrdiff_t y = start_h; y < h; ++y)
            for (std::ptrdiff_t x = start_w; x < w; ++x) sum += features[static_cast<std::size_t>((y * w + x) * c + channel)];
        const double expected = sum / static_cast<double>((h - start_h) * (w - start_w));
        ok = ok && output.stride(1) == 1 && std::fabs(output(0, channel, last, last) - expected) < 1e-5;
    }

    // SPP: the max pyramid 1, 2, 4 with the index of each maximum (flat in the 60x60 plane).
    constexpr std::array<std::ptrdiff_t, 3> spp_bins{1, 2, 4};
    std::array<std::vector<float>, 3> maxima;
    std::array<std::vector<std::int64_t>, 3> where;
    std::array<apool::strided_view<float, 4>, 3> max_outputs;
    std::array<apool::strided_view<std::int64_t, 4>, 3> indices;
    for (std::size_t k = 0; k < spp_bins.size(); ++k) {
        const auto count = static_cast<std::size_t>(apool::element_count(apool::pooled_extents(input.extents(), {spp_bins[k], spp_bins[k]})));
        maxima[k].resize(count);
        where[k].resize(count);
        max_outputs[k] = apool::pooled_view(maxima[k].data(), input, {spp_bins[k], spp_bins[k]});
        indices[k] = apool::pooled_view(where[k].data(), input, {spp_bins[k], spp_bins[k]});
    }
    apool::adaptive_max_pool2d_pyramid(input, max_outputs, indices);
    // The global maximum of channel 0 sits where its index says.
    const std::int64_t at = indices[0](0, 0, 0, 0);
    ok = ok && max_outputs[0](0, 0, 0, 0) == features[static_cast<std::size_t>(at * c)];
    std::printf("SPP: channel 0's maximum %.4f at (%lld, %lld)\n", static_cast<double>(max_outputs[0](0, 0, 0, 0)),
                static_cast<long long>(at / w), static_cast<long long>(at % w));

    std::printf(ok ? "levels agree with their own calls and a plain loop\n" : "MISMATCH\n");
    return ok ? 0 : 1;
}
