// apool: the channels-last forward kernels: a leading dim (channels) is
// contiguous, vectors run across it, and every window is walked once per
// register block of channels; the average over many channels keeps the
// running sums of large windows in memory instead (the output's run of
// channels, or a stack buffer a chunk of channels at a time). A max that
// writes no indices keeps its values alone (maximum_value), and walks a block
// again with positions where it met a NaN (reduce_lanes_then).
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "forward_kernels.hpp"
#include "pair_reduction.hpp"
#include "reductions.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Stores one vector of results for `width` neighbouring channels whose first
/// output is `out_first` (and index `index_first`, when not null).
template <class Reduction, class Out, class I>
inline void write_lanes(const typename Reduction::vector_state& s, std::ptrdiff_t count, Out out_first, std::ptrdiff_t out_channel_stride,
                        I* index_first, std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<typename Reduction::accumulator>;
    if constexpr (is_pair<Reduction>) {
        store_lanes(Reduction::sum::vector_value(s.total, count), out_first.average, out_channel_stride);
        store_lanes(Reduction::largest::vector_value(s.best, count), out_first.maximum, out_channel_stride);
    } else {
        store_lanes(Reduction::vector_value(s, count), out_first, out_channel_stride);
    }
    if constexpr (Reduction::tracks_index) {
        if (index_first != nullptr) {
            alignas(64) typename Reduction::index_lane lane_indices[width];
            Reduction::store_index(s, lane_indices);
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) index_first[lane * index_channel_stride] = static_cast<I>(lane_indices[lane]);
        }
    }
}

/// The channels past the last whole vector (fewer than simd::lanes<T>), one
/// walk over the window each: a scalar state in a register beats a walk that
/// updates all of them per position through memory.
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
inline void reduce_channel_tail(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, const window_box<Spatial>& box,
                                std::ptrdiff_t first_channel, std::ptrdiff_t channels, std::ptrdiff_t out_channel_stride,
                                std::ptrdiff_t index_channel_stride) noexcept {
    const std::ptrdiff_t first_index = box_first_index<Spatial>(layout, box);
    const std::ptrdiff_t count = box_count<Spatial>(box);
    for (std::ptrdiff_t channel = first_channel; channel < channels; ++channel) {
        const auto s = reduce_scalar<Reduction, Spatial>(in + channel, layout, box, first_index);
        write_result<Reduction>(s, count, out + channel * out_channel_stride,
                                index != nullptr ? index + channel * index_channel_stride : nullptr);
    }
}

/// Vectors of channels per register block of the channels-last kernel: half
/// the registers hold running states (state_registers each), the rest serve
/// the loads. Each extra block vector shares the walk's address arithmetic,
/// so the widest block that fits is the fastest.
template <class Reduction>
constexpr std::size_t channel_block_vectors = static_cast<std::size_t>(simd::vector_registers / (2 * state_registers<Reduction>));

/// One window reduced for the Blocks vectors of channels from `in` (their
/// outputs from `out`, their indices from `index` where not null), and
/// written.
template <class Reduction, std::size_t Blocks, class T, class Out, class I, std::size_t Spatial>
inline void reduce_channel_block(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, const window_box<Spatial>& box,
                                 std::ptrdiff_t first_index, std::ptrdiff_t count, std::ptrdiff_t ahead, std::ptrdiff_t out_channel_stride,
                                 std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<typename Reduction::accumulator>;
    reduce_lanes_then<Reduction, Spatial, true, Blocks>(in, layout, box, first_index, ahead, [&](auto policy, const auto& states) {
        using lanes_policy = decltype(policy);
        for (std::size_t k = 0; k < Blocks; ++k) {
            const std::ptrdiff_t at = static_cast<std::ptrdiff_t>(k) * width;
            write_lanes<lanes_policy>(states[k], count, out + at * out_channel_stride, out_channel_stride,
                                      index != nullptr ? index + at * index_channel_stride : nullptr, index_channel_stride);
        }
    });
}

/// One window reduced for every channel: the window is walked once per
/// register block of channel_block_vectors vectors, then of four and of one,
/// then once per channel past the last whole vector. `out` and `index` point
/// at the window's output for channel 0 (index may be null).
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
inline void reduce_window_channels(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, const window_box<Spatial>& box,
                                   std::ptrdiff_t channels, std::ptrdiff_t out_channel_stride,
                                   std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<typename Reduction::accumulator>;
    const std::ptrdiff_t count = box_count<Spatial>(box);
    const std::ptrdiff_t first_index = box_first_index<Spatial>(layout, box);
    // Each element read prefetches its counterpart in the next window along
    // the last dim, which the next output reads: a window of channels-last
    // memory is a set of short runs a row stride apart, which the hardware
    // prefetchers do not follow.
    const std::ptrdiff_t ahead = next_window_ahead<Spatial>(layout, box);
    std::ptrdiff_t channel = 0;
    auto reduce_blocks = [&](auto blocks) {
        constexpr std::size_t block_count = decltype(blocks)::value;
        for (; channel + static_cast<std::ptrdiff_t>(block_count) * width <= channels; channel += static_cast<std::ptrdiff_t>(block_count) * width) {
            reduce_channel_block<Reduction, block_count>(in + channel, out + channel * out_channel_stride,
                                                         index != nullptr ? index + channel * index_channel_stride : nullptr, layout, box,
                                                         first_index, count, ahead, out_channel_stride, index_channel_stride);
        }
    };
    reduce_blocks(std::integral_constant<std::size_t, channel_block_vectors<Reduction>>{});
    if constexpr (channel_block_vectors<Reduction> > 4) reduce_blocks(std::integral_constant<std::size_t, 4>{});
    reduce_blocks(std::integral_constant<std::size_t, 1>{});
    reduce_channel_tail<Reduction>(in, out, index, layout, box, channel, channels, out_channel_stride, index_channel_stride);
}

/// Channels-last: the input's channel dim has stride 1. `channels` lanes, the
/// output and index strides of that dim given.
template <class Reduction, class T, class Out, class I, std::size_t Spatial>
void channels_last_plane(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout, std::ptrdiff_t channels,
                         std::ptrdiff_t out_channel_stride, std::ptrdiff_t index_channel_stride) noexcept {
    output_window<Spatial> box{};
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        reduce_window_channels<Reduction>(in, out + out_offset, index != nullptr ? index + index_offset : nullptr, layout, b, channels,
                                          out_channel_stride, index_channel_stride);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// Window size, all channels together, from which the channels-last average
/// keeps its running sums in memory (the plan turns it into a count of window
/// positions for average_channels_last_plane). A window walked once per
/// register block is read again by every block after the first: from L2
/// while it fits there, from further out beyond. Sums in memory read it once
/// but load and store every sum at every position. With 32 vector registers a
/// block holds 16 vectors of channels (a kilobyte of each float position), so
/// few blocks read the window, and blocks stay faster up to windows of about
/// twice an L2 of a megabyte; with 16 registers a block holds a quarter of
/// that, four times the blocks read the window, and the sums are faster from
/// 256 KiB.
constexpr std::size_t running_sums_in_memory_from_bytes = (simd::vector_registers >= 32 ? std::size_t(2048) : std::size_t(256)) << 10;

/// Adds positions `first` to `end` - 1 of a row of channels-last input (each
/// `column_stride` after the previous) to `length` running sums (a multiple
/// of the vector), in order, from `row`'s channel 0. Four positions a pass:
/// one load and store of each sum serves four input vectors.
template <class T>
inline void add_positions(const T* row, std::ptrdiff_t column_stride, std::ptrdiff_t first, std::ptrdiff_t end, T* sums,
                          std::ptrdiff_t length) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    std::ptrdiff_t i = first;
    for (; i + 4 <= end; i += 4) {
        const T* p0 = row + i * column_stride;
        const T* p1 = p0 + column_stride;
        const T* p2 = p1 + column_stride;
        const T* p3 = p2 + column_stride;
        for (std::ptrdiff_t k = 0; k < length; k += width) {
            auto sum = simd::load(sums + k);
            sum += simd::load(p0 + k);
            sum += simd::load(p1 + k);
            sum += simd::load(p2 + k);
            sum += simd::load(p3 + k);
            simd::store(sums + k, sum);
        }
    }
    for (; i < end; ++i) {
        const T* p = row + i * column_stride;
        for (std::ptrdiff_t k = 0; k < length; k += width) simd::store(sums + k, simd::load(sums + k) + simd::load(p + k));
    }
}

/// Channels-last average over many channels. Windows of fewer than
/// `sums_in_memory_from` positions go by register blocks; a larger window's
/// running sums live in memory. Where the output's run of channels is
/// contiguous and longer than the stack buffer, they live there, and the
/// outputs along the last dim are summed together, band by band (one output
/// position in every other dim): each input row of the band is read once,
/// from start to end, each of its positions added to the sums of the outputs
/// whose windows hold it. Otherwise they live in a stack buffer, a chunk of
/// channels per walk of one window. Every sum is taken in scan order from
/// zero, as the register kernels do, so the bits agree. (For the maximum,
/// whose state is a value and an index, the extra memory traffic costs more
/// than the contiguous reads save.)
template <class T, std::size_t Spatial>
void average_channels_last_plane(const T* in, T* out, const spatial_layout<Spatial>& layout, std::ptrdiff_t channels,
                                 std::ptrdiff_t out_channel_stride, std::ptrdiff_t sums_in_memory_from) noexcept {
    using reduction = average<T>;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr std::size_t last = Spatial - 1;
    constexpr std::ptrdiff_t buffer_size = APOOL_ROW_BUFFER_ELEMENTS / width > 0 ? APOOL_ROW_BUFFER_ELEMENTS / width * width : width;
    const std::ptrdiff_t column_stride = layout.in_stride[last];
    const std::ptrdiff_t vector_channels = channels / width * width;
    auto write_sums = [&](const T* sums, std::ptrdiff_t length, std::ptrdiff_t count, T* out_first) {
        for (std::ptrdiff_t k = 0; k < length; k += width) {
            const typename reduction::vector_state state{simd::load(sums + k)};
            write_lanes<reduction>(state, count, out_first + k * out_channel_stride, out_channel_stride, static_cast<T*>(nullptr), 0);
        }
    };
    if (out_channel_stride == 1 && vector_channels > buffer_size) {
        output_window<Spatial> box{};
        auto per_band = [&](const window_box<Spatial>& band, std::ptrdiff_t band_offset, std::ptrdiff_t) {
            const window outputs = layout.out_range[last];
            std::ptrdiff_t band_count = 1;  // positions of a window's band, in the dims before the last
            for (std::size_t d = 0; d < last; ++d) band_count *= band[d].size();
            auto output_at = [&](std::ptrdiff_t o) { return out + band_offset + o * layout.out_stride[last]; };
            auto window_at = [&](std::ptrdiff_t o) {
                window_box<Spatial> b = band;
                b[last] = adaptive_window(o, layout.in_extent[last], layout.out_extent[last]);
                return b;
            };
            auto summed = [&](const window_box<Spatial>& b) { return band_count * b[last].size() >= sums_in_memory_from; };
            bool any_summed = false;
            for (std::ptrdiff_t o = outputs.start; o < outputs.end; ++o) {
                const window_box<Spatial> b = window_at(o);
                if (!summed(b)) {
                    reduce_window_channels<reduction>(in, output_at(o), static_cast<T*>(nullptr), layout, b, channels, 1, 0);
                    continue;
                }
                any_summed = true;
                T* const sums = output_at(o);
                for (std::ptrdiff_t k = 0; k < vector_channels; k += width) simd::store(sums + k, simd::broadcast(T(0)));
            }
            if (!any_summed) return;
            auto add_row = [&](std::ptrdiff_t row_offset, std::ptrdiff_t) {
                for (std::ptrdiff_t o = outputs.start; o < outputs.end; ++o) {
                    const window_box<Spatial> b = window_at(o);
                    if (summed(b)) add_positions(in + row_offset, column_stride, b[last].start, b[last].end, output_at(o), vector_channels);
                }
            };
            walk_box<last>(layout, band, 0, 0, add_row);
            for (std::ptrdiff_t o = outputs.start; o < outputs.end; ++o) {
                const window_box<Spatial> b = window_at(o);
                if (!summed(b)) continue;
                write_sums(output_at(o), vector_channels, box_count<Spatial>(b), output_at(o));
                reduce_channel_tail<reduction>(in, output_at(o), static_cast<T*>(nullptr), layout, b, vector_channels, channels, 1, 0);
            }
        };
        for_each_window<last>(layout, box, 0, 0, per_band);
        return;
    }
    alignas(64) T buffer[buffer_size];
    const std::ptrdiff_t chunk = vector_channels < buffer_size ? vector_channels : buffer_size;
    output_window<Spatial> box{};
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const std::ptrdiff_t count = box_count<Spatial>(b);
        if (count < sums_in_memory_from) {
            reduce_window_channels<reduction>(in, out + out_offset, static_cast<T*>(nullptr), layout, b, channels, out_channel_stride, 0);
            return;
        }
        for (std::ptrdiff_t first = 0; first < vector_channels; first += chunk) {
            const std::ptrdiff_t length = std::min(chunk, vector_channels - first);
            for (std::ptrdiff_t k = 0; k < length; k += width) simd::store(buffer + k, simd::broadcast(T(0)));
            auto add_row = [&](std::ptrdiff_t row_offset, std::ptrdiff_t) {
                add_positions(in + row_offset + first, column_stride, b[last].start, b[last].end, buffer, length);
            };
            walk_box<last>(layout, b, 0, 0, add_row);
            write_sums(buffer, length, count, out + out_offset + first * out_channel_stride);
        }
        reduce_channel_tail<reduction>(in, out + out_offset, static_cast<T*>(nullptr), layout, b, vector_channels, channels,
                                       out_channel_stride, 0);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}
}  // namespace detail
}  // namespace apool
