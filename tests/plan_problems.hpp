// Problems for the plan tests: extents and strides of the pooling input side
// and output side (indices share the output's strides), built row-major,
// padded or channels-last.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <utility>

namespace apool_test {

template <std::size_t Rank>
struct problem {
    std::string name;
    std::array<std::ptrdiff_t, Rank> in_extents, in_strides, out_extents, out_strides;
};

/// Row-major strides, each scaled by `spread` (2 leaves a gap after every element).
template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> row_major(const std::array<std::ptrdiff_t, Rank>& extents, std::ptrdiff_t spread = 1) {
    std::array<std::ptrdiff_t, Rank> strides{};
    std::ptrdiff_t step = 1;
    for (std::size_t d = Rank; d-- > 0;) {
        strides[d] = step * spread;
        step = strides[d] * extents[d];
    }
    return strides;
}

/// N, C, H, W extents with C innermost in memory.
inline std::array<std::ptrdiff_t, 4> channels_last(const std::array<std::ptrdiff_t, 4>& extents) {
    const std::ptrdiff_t c = extents[1], h = extents[2], w = extents[3];
    return {h * w * c, 1, w * c, c};
}

template <std::size_t Rank>
problem<Rank> dense(std::string name, const std::array<std::ptrdiff_t, Rank>& in, const std::array<std::ptrdiff_t, Rank>& out) {
    return {std::move(name), in, row_major(in), out, row_major(out)};
}

inline problem<4> nhwc(std::string name, const std::array<std::ptrdiff_t, 4>& in, const std::array<std::ptrdiff_t, 4>& out) {
    return {std::move(name), in, channels_last(in), out, channels_last(out)};
}

/// Row-major with a gap after every element of every dim: no dim is contiguous.
template <std::size_t Rank>
problem<Rank> padded(std::string name, const std::array<std::ptrdiff_t, Rank>& in, const std::array<std::ptrdiff_t, Rank>& out) {
    return {std::move(name), in, row_major(in, 2), out, row_major(out)};
}

/// Elements from a view's first to its last, for its buffer.
template <std::size_t Rank>
std::size_t span_of(const std::array<std::ptrdiff_t, Rank>& extents, const std::array<std::ptrdiff_t, Rank>& strides) {
    std::ptrdiff_t last = 0;
    for (std::size_t d = 0; d < Rank; ++d) last += (extents[d] - 1) * strides[d];
    return static_cast<std::size_t>(last + 1);
}

}  // namespace apool_test
