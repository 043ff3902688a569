// 1D pooling of sequences of different lengths (audio frames, token
// embeddings) to a fixed number of steps: [batch, channels, length] ->
// [batch, channels, 8]. The max's indices say at which step of the sequence
// each maximum lies, as PyTorch's return_indices=True does.
#include <apool/apool.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

int main() {
    const std::ptrdiff_t batch = 2, channels = 4, steps = 8;
    bool ok = true;
    for (std::ptrdiff_t length : {1000, 777, 5}) {
        std::vector<float> sequence(static_cast<std::size_t>(batch * channels * length));
        for (std::ptrdiff_t i = 0; i < batch * channels; ++i)
            for (std::ptrdiff_t t = 0; t < length; ++t)  // a sine per channel, its frequency growing with the channel
                sequence[static_cast<std::size_t>(i * length + t)] = static_cast<float>(std::sin(0.01 * static_cast<double>((i % channels + 1) * t)));
        apool::strided_view<const float, 3> input(sequence.data(), {batch, channels, length});

        const auto extents = apool::pooled_extents(input.extents(), {steps});
        std::vector<float> avg(static_cast<std::size_t>(apool::element_count(extents))), max(avg.size());
        std::vector<std::int64_t> where(avg.size());
        apool::adaptive_avg_pool1d(input, apool::pooled_view(avg.data(), input, {steps}));
        apool::adaptive_max_pool1d(input, apool::pooled_view(max.data(), input, {steps}), apool::pooled_view(where.data(), input, {steps}));

        std::printf("length %4td -> %td steps, channel 1: max", length, steps);
        for (std::ptrdiff_t s = 0; s < steps; ++s) std::printf(" %5.2f@%-4lld", max[static_cast<std::size_t>(steps + s)], static_cast<long long>(where[static_cast<std::size_t>(steps + s)]));
        std::printf("\n");
        // Every index lies in its step's window and names the value reported.
        for (std::ptrdiff_t i = 0; i < batch * channels; ++i) {
            for (std::ptrdiff_t s = 0; s < steps; ++s) {
                const std::size_t k = static_cast<std::size_t>(i * steps + s);
                ok = ok && where[k] >= apool::window_start(s, length, steps) && where[k] < apool::window_end(s, length, steps) &&
                     sequence[static_cast<std::size_t>(i * length + where[k])] == max[k] && avg[k] <= max[k];
            }
        }
    }
    std::printf(ok ? "every index lies in its window and names its maximum\n" : "MISMATCH in the indices\n");
    return ok ? 0 : 1;
}
