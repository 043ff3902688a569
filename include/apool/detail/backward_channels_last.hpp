// apool: the channels-last avg backward kernel: grad_input's channel dim is
// contiguous, and each window position receives an output's shares as one
// contiguous run of channels.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../simd.hpp"
#include "../strided_view.hpp"
#include "backward_kernels.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Writes (`fresh`) or adds `count` contiguous shares to a run of channels.
/// Two loops, so that a fresh run is written without being read.
template <class T>
inline void receive_run(T* run, const T* shares, std::ptrdiff_t count, bool fresh) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    std::ptrdiff_t k = 0;
    if (fresh) {
        for (; k + width <= count; k += width) simd::store(run + k, simd::load(shares + k) + simd::broadcast(T(0)));
    } else {
        for (; k + width <= count; k += width) simd::store(run + k, simd::load(run + k) + simd::load(shares + k));
    }
    for (; k < count; ++k) run[k] = receive(run[k], shares[k], fresh);
}

/// Avg backward where grad_input's channel dim is contiguous: each window
/// position receives an output's shares as one contiguous run of channels,
/// so memory is visited in order instead of once per vector of channels.
///
/// When overwriting, the shares go straight into the window's anchor, an
/// element no earlier output reached (the first position at or past
/// fresh_start in every dim, inside the work item's in_range), as `share + 0`, its final value; every other
/// position then reads them from there, whole runs of channels one position
/// after another. (Adding `share + 0` instead of `share` changes nothing: in
/// this mode no element holds -0 once reached.) Otherwise (accumulating, or no
/// anchor when the output is larger than the input) the shares of a chunk of
/// channels are computed into a stack buffer, and the window is walked once per chunk.
template <class T, std::size_t Spatial>
void average_backward_channels_last_plane(const T* grad_output, T* grad_input, const spatial_layout<Spatial>& layout,
                                          std::ptrdiff_t channels, std::ptrdiff_t grad_output_channel_stride, bool accumulate) noexcept {
    constexpr std::ptrdiff_t chunk = APOOL_ROW_BUFFER_ELEMENTS;
    alignas(64) T shares[chunk];
    output_window<Spatial, true> current{};
    auto per_output = [&](const output_window<Spatial, true>& o, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const T* grads = grad_output + out_offset;
        std::ptrdiff_t anchor = 0;
        bool anchored = !accumulate;
        for (std::size_t d = 0; d < Spatial; ++d) {
            const window owned = layout.in_range[d];
            std::ptrdiff_t position = o[d].start > o.fresh_start[d] ? o[d].start : o.fresh_start[d];
            if (position < owned.start) position = owned.start;
            anchored = anchored && position < o[d].end && position < owned.end;
            anchor += position * layout.in_stride[d];
        }
        if (anchored) {
            T* const anchor_run = grad_input + anchor;
            channel_shares<T, Spatial>(grads, grad_output_channel_stride, channels, o, layout, anchor_run);
            receive_run(anchor_run, anchor_run, channels, true);
            // Runs shorter than a page each ask, for writing, for the same run
            // one window further along the last dim, which the next output
            // writes: the hardware's stream prefetch follows a long run of
            // channels but not the jumps between short ones; from a page on,
            // the run itself is long enough for it, and the extra requests cost.
            constexpr std::ptrdiff_t page_bytes = 4096;
            const std::ptrdiff_t ahead =
                channels * static_cast<std::ptrdiff_t>(sizeof(T)) < page_bytes ? next_window_ahead<Spatial>(layout, o) : 0;
            auto receive_channels = [&](std::ptrdiff_t offset, bool fresh) {
                if (ahead != 0) simd::prefetch_run<simd::access::write>(grad_input + offset, channels, ahead);
                if (offset != anchor) receive_run(grad_input + offset, anchor_run, channels, fresh);
            };
            walk_output_window<Spatial>(layout, o, 0, true, receive_channels);
            return;
        }
        for (std::ptrdiff_t first = 0; first < channels; first += chunk) {
            const std::ptrdiff_t count = channels - first < chunk ? channels - first : chunk;
            channel_shares<T, Spatial>(grads + first * grad_output_channel_stride, grad_output_channel_stride, count, o, layout, shares);
            auto receive_channels = [&](std::ptrdiff_t offset, bool fresh) { receive_run(grad_input + first + offset, shares, count, fresh); };
            walk_output_window<Spatial>(layout, o, 0, !accumulate, receive_channels);
        }
    };
    for_each_window<Spatial>(layout, current, 0, 0, per_output);
}
}  // namespace detail
}  // namespace apool
