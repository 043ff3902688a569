// A classifier head that takes feature maps of any size: global average
// pooling, and catavgmax (global average and global max side by side, as
// timm's SelectAdaptivePool2d does), each to a fixed-length vector, then a
// small linear layer. Feature maps of 13x17, 7x7 and 20x9 all give vectors of
// the same length. The two halves of the catavgmax vector are written by one
// call that reads the map once (apool::adaptive_avg_max_pool2d) into one
// [N, 2C] buffer: each output view's strides step over the other half.
#include <apool/apool.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

int main() {
    const std::ptrdiff_t n = 2, c = 64, classes = 5;
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    std::vector<float> weights(static_cast<std::size_t>(classes * 2 * c));
    for (float& w : weights) w = normal(random) / 16.0f;

    bool ok = true;
    const std::ptrdiff_t sizes[3][2] = {{13, 17}, {7, 7}, {20, 9}};
    for (const auto& size : sizes) {
        const std::ptrdiff_t h = size[0], w = size[1];
        std::vector<float> features(static_cast<std::size_t>(n * c * h * w));  // NCHW
        for (float& f : features) f = normal(random);
        apool::strided_view<const float, 4> input(features.data(), {n, c, h, w});

        // Global average: N x C x 1 x 1, that is a vector of C per image.
        std::vector<float> avg(static_cast<std::size_t>(n * c));
        apool::adaptive_avg_pool2d(input, apool::pooled_view(avg.data(), input, {1, 1}));

        // catavgmax: row i of the [N, 2C] buffer is [average of each channel, max of each channel].
        std::vector<float> catavgmax(static_cast<std::size_t>(n * 2 * c));
        apool::strided_view<float, 4> avg_half(catavgmax.data(), {n, c, 1, 1}, {2 * c, 1, 1, 1});
        apool::strided_view<float, 4> max_half(catavgmax.data() + c, {n, c, 1, 1}, {2 * c, 1, 1, 1});
        apool::adaptive_avg_max_pool2d(input, avg_half, max_half);

        // A linear layer on the 2C-long vector: the same weights for every input size.
        std::printf("feature map %2td x %2td -> avg vector %td, catavgmax vector %td -> logits", h, w, c, 2 * c);
        for (std::ptrdiff_t k = 0; k < classes; ++k) {
            float logit = 0.0f;
            for (std::ptrdiff_t j = 0; j < 2 * c; ++j) logit += weights[static_cast<std::size_t>(k * 2 * c + j)] * catavgmax[static_cast<std::size_t>(j)];
            std::printf(" %6.3f", logit);
        }
        std::printf("\n");

        // Check against plain loops: the same averages (within rounding) and the same maxima.
        for (std::ptrdiff_t i = 0; i < n * c; ++i) {
            const auto first = features.begin() + i * h * w, last = first + h * w;
            double sum = 0.0;
            for (auto it = first; it != last; ++it) sum += *it;
            const float mean = static_cast<float>(sum / static_cast<double>(h * w));
            const float largest = *std::max_element(first, last);
            const std::ptrdiff_t image = i / c, channel = i % c;
            ok = ok && std::fabs(avg[static_cast<std::size_t>(i)] - mean) < 1e-5f &&
                 std::fabs(catavgmax[static_cast<std::size_t>(image * 2 * c + channel)] - mean) < 1e-5f &&
                 catavgmax[static_cast<std::size_t>(image * 2 * c + c + channel)] == largest;
        }
    }
    std::printf(ok ? "averages and maxima agree with plain loops\n" : "MISMATCH against plain loops\n");
    return ok ? 0 : 1;
}
