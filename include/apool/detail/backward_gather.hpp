// apool: the gradients of the 16-bit floats. Each grad_input element sums its
// contributions in float and is rounded once (with gradient_update::accumulate
// its current value, converted to float, comes first), so it cannot receive
// them one at a time in its own type as the scatter kernels do
// (backward_kernels.hpp): the average gathers, for each element, the shares of
// the outputs whose windows cover it; the max sums a chunk of a plane's
// elements at a time in a float buffer on the stack, from every output whose
// index lies in the chunk. Contributions arrive in row-major order of the
// outputs, as in the scatter kernels.
#pragma once

#include <cstddef>

#include "../config.hpp"
#include "../window.hpp"
#include "backward_kernels.hpp"
#include "backward_maximum.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Writes a float gradient into a grad_input element, rounded once.
template <class T>
inline void receive_rounded(T& target, float gradient, bool accumulate) noexcept {
    target = T(accumulate ? static_cast<float>(target) + gradient : gradient);
}

/// Avg backward of one plane: each element of layout.in_range gathers the
/// shares (grad / k_0 / k_1 ..., in float) of the outputs covering it.
template <class T, std::size_t Spatial>
void average_backward_gather_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout, bool accumulate) noexcept {
    window_box<Spatial> part{};
    for (std::size_t d = 0; d < Spatial; ++d) part[d] = d == 0 ? layout.in_range[0] : window{0, layout.in_extent[d]};
    spatial_layout<Spatial> covering = layout;
    output_window<Spatial> current{};
    auto per_element = [&](std::ptrdiff_t in_offset, std::ptrdiff_t flat) {
        // The outputs whose windows hold position p along a dim are those
        // from floor(p * Out / In) to ceil((p + 1) * Out / In): the windows of
        // p with In and Out exchanged.
        for (std::size_t d = 0; d < Spatial; ++d) {
            const std::ptrdiff_t p = flat / layout.flat_stride[d];
            flat -= p * layout.flat_stride[d];
            covering.out_range[d] = {window_start(p, layout.out_extent[d], layout.in_extent[d]),
                                     window_end(p, layout.out_extent[d], layout.in_extent[d])};
        }
        float sum = 0.0f;
        auto add_share = [&](const window_box<Spatial>& box, std::ptrdiff_t out_offset, std::ptrdiff_t) {
            sum += average_share_scalar<float, Spatial>(static_cast<float>(grad_output[out_offset]), box, layout);
        };
        for_each_window<Spatial>(covering, current, 0, 0, add_share);
        receive_rounded(grad_input[in_offset], sum, accumulate);
    };
    walk_box<Spatial>(layout, part, 0, 0, per_element);
}

/// Max backward of one plane: the elements of layout.in_range, a chunk of
/// the flat plane at a time, each the float sum of the outputs whose index
/// names it.
template <class T, class I, std::size_t Spatial>
void maximum_backward_gather_plane(const T* grad_output, const I* indices, T* grad_input, const spatial_layout<Spatial>& layout,
                                   bool accumulate) noexcept {
    constexpr std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS;
    float sums[chunk];
    const std::ptrdiff_t end = layout.in_range[0].end * layout.flat_stride[0];
    output_window<Spatial> current{};
    for (std::ptrdiff_t first = layout.in_range[0].start * layout.flat_stride[0]; first < end; first += chunk) {
        const std::ptrdiff_t count = end - first < chunk ? end - first : chunk;
        for (std::ptrdiff_t k = 0; k < count; ++k) sums[k] = 0.0f;
        auto add = [&](const window_box<Spatial>&, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
            const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(indices[index_offset]) - first;
            if (at >= 0 && at < count) sums[at] += static_cast<float>(grad_output[out_offset]);
        };
        for_each_window<Spatial>(layout, current, 0, 0, add);
        for (std::ptrdiff_t k = 0; k < count; ++k) receive_rounded(grad_input[plane_offset(layout, first + k)], sums[k], accumulate);
    }
}

}  // namespace detail
}  // namespace apool
