// apool: forward kernels. They run after the arguments were checked, and
// neither throw nor allocate.
//
// Three kernels, chosen once per call from the input's strides:
//  - rows: the innermost spatial dim is contiguous (NCHW-like). Rows of a
//    window's outer dims are reduced into a stack buffer with vectors across
//    the row, then each output reduces a short slice of that buffer.
//  - channels_last: a leading dim is contiguous. Vectors run across that dim
//    and every window is walked once per register block of channels, or, for
//    the average over many channels in a window of 256 KiB or more, once with
//    running sums in memory (the output's run of channels, or a stack buffer a
//    chunk of channels at a time).
//  - generic: any strides, one element at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "reductions.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

template <class Reduction, class T, class I>
inline void write_result(const typename Reduction::state& s, std::ptrdiff_t count, T* out, I* index) noexcept {
    *out = Reduction::value(s, count);
    if constexpr (Reduction::tracks_index) {
        if (index != nullptr) *index = static_cast<I>(Reduction::index(s));
    }
}

/// One window of the box over the first Dims spatial dims, reduced for the
/// Blocks * lanes contiguous lanes that start at `base`; the last block is
/// moved back by `last_shift` lanes (to end at the end of a row shorter than
/// Blocks whole vectors, overlapping its predecessor). With Prefetch, each
/// element read asks for the one `prefetch_ahead` elements further on (a
/// template choice: the tiled kernel, which reads a stack tile, lost 20-70%
/// when GCC stopped inlining this walk for a run-time one).
template <class Reduction, std::size_t Dims, bool Prefetch = false, std::size_t Blocks, class T, std::size_t Spatial>
inline void reduce_lanes(const T* base, const spatial_layout<Spatial>& layout, const window_box<Dims>& box,
                         std::ptrdiff_t first_index, typename Reduction::vector_state (&states)[Blocks],
                         std::ptrdiff_t last_shift = 0, std::ptrdiff_t prefetch_ahead = 0) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    for (std::size_t k = 0; k < Blocks; ++k) states[k] = Reduction::vector_start(first_index);
    const std::ptrdiff_t last_block = static_cast<std::ptrdiff_t>(Blocks - 1) * width - last_shift;
    auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) {
        const auto position = Reduction::vector_position(flat_index);
        for (std::size_t k = 0; k + 1 < Blocks; ++k) {
            Reduction::vector_accumulate(states[k], simd::load(base + offset + static_cast<std::ptrdiff_t>(k) * width), position);
        }
        Reduction::vector_accumulate(states[Blocks - 1], simd::load(base + offset + last_block), position);
        if constexpr (Prefetch) {
            for (std::size_t k = 0; k < Blocks; ++k) simd::prefetch(base + offset + static_cast<std::ptrdiff_t>(k) * width, prefetch_ahead);
        }
    };
    walk_box<Dims>(layout, box, 0, 0, add);
}

/// The same for one lane, in scan order.
template <class Reduction, std::size_t Dims, class T, std::size_t Spatial>
inline typename Reduction::state reduce_scalar(const T* base, const spatial_layout<Spatial>& layout, const window_box<Dims>& box,
                                               std::ptrdiff_t first_index) noexcept {
    auto s = Reduction::start(first_index);
    auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) { Reduction::accumulate(s, base[offset], flat_index); };
    walk_box<Dims>(layout, box, 0, 0, add);
    return s;
}

template <class Reduction, class T, class I, std::size_t Spatial>
void generic_plane(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout) noexcept {
    output_window<Spatial> box{};
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        const auto s = reduce_scalar<Reduction, Spatial>(in, layout, b, box_first_index<Spatial>(layout, b));
        write_result<Reduction>(s, box_count<Spatial>(b), out + out_offset, index != nullptr ? index + index_offset : nullptr);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// Stores one vector of results for `width` neighbouring channels whose first
/// output is `out_first` (and index `index_first`, when not null).
template <class Reduction, class T, class I>
inline void write_lanes(const typename Reduction::vector_state& s, std::ptrdiff_t count, T* out_first, std::ptrdiff_t out_channel_stride,
                        I* index_first, std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const auto values = Reduction::vector_value(s, count);
    if (out_channel_stride == 1) {
        simd::store(out_first, values);
    } else {
        alignas(64) T lane_values[width];
        simd::store(lane_values, values);
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) out_first[lane * out_channel_stride] = lane_values[lane];
    }
    if constexpr (Reduction::tracks_index) {
        if (index_first != nullptr) {
            alignas(64) T lane_bits[width];
            Reduction::store_index_bits(s, lane_bits);
            for (std::ptrdiff_t lane = 0; lane < width; ++lane) {
                index_first[lane * index_channel_stride] = static_cast<I>(simd::index_from_bits(lane_bits[lane]));
            }
        }
    }
}

/// The channels past the last whole vector (fewer than simd::lanes<T>), one
/// walk over the window each: a scalar state in a register beats a walk that
/// updates all of them per position through memory.
template <class Reduction, class T, class I, std::size_t Spatial>
inline void reduce_channel_tail(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout, const window_box<Spatial>& box,
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
/// the registers hold running states, the rest serve the loads. The average's
/// state is one vector, the max's two (value and index). spp_13_to_4
/// channels-last forward, bench A/B: 0.24-0.25 ms with 4 vectors, 0.17 with 8.
template <class Reduction>
constexpr std::size_t channel_block_vectors = static_cast<std::size_t>(simd::vector_registers / (Reduction::tracks_index ? 4 : 2));

/// One window reduced for every channel: the window is walked once per
/// register block of channel_block_vectors vectors, then of four and of one,
/// then once per channel past the last whole vector. `out` and `index` point
/// at the window's output for channel 0 (index may be null).
template <class Reduction, class T, class I, std::size_t Spatial>
inline void reduce_window_channels(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout, const window_box<Spatial>& box,
                                   std::ptrdiff_t channels, std::ptrdiff_t out_channel_stride,
                                   std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const std::ptrdiff_t count = box_count<Spatial>(box);
    const std::ptrdiff_t first_index = box_first_index<Spatial>(layout, box);
    // Each element read prefetches its counterpart in the next window along
    // the last dim, which the next output reads: max_56_to_7 channels-last,
    // standalone, 2.8-2.9 -> 2.05-2.2 ms.
    const std::ptrdiff_t ahead = next_window_ahead<Spatial>(layout, box);
    std::ptrdiff_t channel = 0;
    auto reduce_blocks = [&](auto blocks) {
        constexpr std::size_t block_count = decltype(blocks)::value;
        for (; channel + static_cast<std::ptrdiff_t>(block_count) * width <= channels; channel += static_cast<std::ptrdiff_t>(block_count) * width) {
            typename Reduction::vector_state states[block_count];
            reduce_lanes<Reduction, Spatial, true>(in + channel, layout, box, first_index, states, 0, ahead);
            for (std::size_t k = 0; k < block_count; ++k) {
                const std::ptrdiff_t at = channel + static_cast<std::ptrdiff_t>(k) * width;
                write_lanes<Reduction>(states[k], count, out + at * out_channel_stride, out_channel_stride,
                                       index != nullptr ? index + at * index_channel_stride : nullptr, index_channel_stride);
            }
        }
    };
    reduce_blocks(std::integral_constant<std::size_t, channel_block_vectors<Reduction>>{});
    if constexpr (channel_block_vectors<Reduction> > 4) reduce_blocks(std::integral_constant<std::size_t, 4>{});
    reduce_blocks(std::integral_constant<std::size_t, 1>{});
    reduce_channel_tail<Reduction>(in, out, index, layout, box, channel, channels, out_channel_stride, index_channel_stride);
}

/// Channels-last: the input's channel dim has stride 1. `channels` lanes, the
/// output and index strides of that dim given.
template <class Reduction, class T, class I, std::size_t Spatial>
void channels_last_plane(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout, std::ptrdiff_t channels,
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
/// positions for average_channels_last_plane). A window this large, walked
/// once per register block, is read a few cache lines at every position, a
/// whole row stride apart, block after block, from further than L2.
constexpr std::size_t running_sums_in_memory_from_bytes = std::size_t(256) << 10;

/// Channels-last average over many channels. Windows of fewer than
/// `sums_in_memory_from` positions go by register blocks; a larger window's
/// running sums live in memory: in the output's own run of channels when it is
/// contiguous (the whole window is then walked once, every position read as
/// one run of all its channels), else in a stack buffer, a chunk of channels
/// per walk. Sums are taken in scan order from zero, as the register kernels
/// do, so the bits agree. (For the maximum, whose state is a value and an
/// index, the extra memory traffic costs more than the contiguous reads save.)
template <class T, std::size_t Spatial>
void average_channels_last_plane(const T* in, T* out, const spatial_layout<Spatial>& layout, std::ptrdiff_t channels,
                                 std::ptrdiff_t out_channel_stride, std::ptrdiff_t sums_in_memory_from) noexcept {
    using reduction = average<T>;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr std::ptrdiff_t buffer_size = APOOL_ROW_BUFFER_ELEMENTS / width > 0 ? APOOL_ROW_BUFFER_ELEMENTS / width * width : width;
    alignas(64) T buffer[buffer_size];
    const std::ptrdiff_t column_stride = layout.in_stride[Spatial - 1];
    const std::ptrdiff_t vector_channels = channels / width * width;
    const bool sums_in_output = out_channel_stride == 1 && vector_channels > buffer_size;
    const std::ptrdiff_t chunk = sums_in_output || vector_channels < buffer_size ? vector_channels : buffer_size;
    output_window<Spatial> box{};
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        const std::ptrdiff_t count = box_count<Spatial>(b);
        if (count < sums_in_memory_from) {
            reduce_window_channels<reduction>(in, out + out_offset, static_cast<T*>(nullptr), layout, b, channels, out_channel_stride, 0);
            return;
        }
        for (std::ptrdiff_t first = 0; first < vector_channels; first += chunk) {
            const std::ptrdiff_t length = std::min(chunk, vector_channels - first);
            T* const sums = sums_in_output ? out + out_offset + first : buffer;
            for (std::ptrdiff_t k = 0; k < length; k += width) simd::store(sums + k, simd::broadcast(T(0)));
            auto add_row = [&](std::ptrdiff_t row_offset, std::ptrdiff_t) {
                // Copies in registers: a vector store may alias anything, so the
                // loops would reload whatever they read through the closure.
                T* const row_sums = sums;
                const std::ptrdiff_t row_length = length;
                const std::ptrdiff_t stride = column_stride;
                const T* const row = in + row_offset + first;
                const window columns = b[Spatial - 1];
                std::ptrdiff_t i = columns.start;
                // Four positions per pass: one load and store of each sum serves four input vectors.
                for (; i + 4 <= columns.end; i += 4) {
                    const T* p0 = row + i * stride;
                    const T* p1 = p0 + stride;
                    const T* p2 = p1 + stride;
                    const T* p3 = p2 + stride;
                    for (std::ptrdiff_t k = 0; k < row_length; k += width) {
                        auto sum = simd::load(row_sums + k);
                        sum += simd::load(p0 + k);
                        sum += simd::load(p1 + k);
                        sum += simd::load(p2 + k);
                        sum += simd::load(p3 + k);
                        simd::store(row_sums + k, sum);
                    }
                }
                for (; i < columns.end; ++i) {
                    const T* p = row + i * stride;
                    for (std::ptrdiff_t k = 0; k < row_length; k += width) simd::store(row_sums + k, simd::load(row_sums + k) + simd::load(p + k));
                }
            };
            walk_box<Spatial - 1>(layout, b, 0, 0, add_row);
            for (std::ptrdiff_t k = 0; k < length; k += width) {
                const typename reduction::vector_state state{simd::load(sums + k)};
                write_lanes<reduction>(state, count, out + out_offset + (first + k) * out_channel_stride, out_channel_stride,
                                       static_cast<T*>(nullptr), 0);
            }
        }
        reduce_channel_tail<reduction>(in, out + out_offset, static_cast<T*>(nullptr), layout, b, vector_channels, channels,
                                       out_channel_stride, 0);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}

/// The sum of `count` (at least lanes<T>) contiguous elements as one vector of
/// partial sums. The last, partial vector is loaded ending at the last element,
/// overlapping the one before, and its lanes already counted are zeroed by
/// `tail_keep` (simd::lanes_from<T>(lanes<T> - count % lanes<T>)).
template <class T>
inline simd::batch<T> partial_sums(const T* data, std::ptrdiff_t count, const simd::batch<T>& tail_keep) noexcept {
    const typename average<T>::vector_sums whole = average<T>::whole_vectors(data, count);
    if (whole.end == count) return whole.sum;
    return whole.sum + (simd::load(data + count - simd::lanes<T>) & tail_keep);
}

/// Global average of `planes` dense planes of `plane_size` (at least
/// lanes<T>) elements, `in_stride` and `out_stride` apart, where
/// simd::has_lane_permute<T>: lanes<T> planes at a time, each plane's vector of
/// partial sums, then one sums_of_each for all of them, where a horizontal sum
/// per plane cost as much as its loads; the planes past the last group one at
/// a time. resnet_head_gap NCHW (65536 planes of 7 x 7 floats), bench A/B:
/// 0.248 -> 0.197 ms, 1.88-1.99x -> 1.56-1.58x the read-once floor.
template <class T>
void average_plane_run(const T* in, std::ptrdiff_t in_stride, T* out, std::ptrdiff_t out_stride, std::ptrdiff_t planes,
                       std::ptrdiff_t plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    const simd::batch<T> tail_keep = simd::lanes_from<T>(width - plane_size % width);
    const simd::batch<T> divisor = simd::broadcast(static_cast<T>(plane_size));
    std::ptrdiff_t plane = 0;
    for (; plane + width <= planes; plane += width) {
        simd::batch<T> sums[width];
        for (std::ptrdiff_t k = 0; k < width; ++k) sums[k] = partial_sums(in + (plane + k) * in_stride, plane_size, tail_keep);
        const simd::batch<T> averages = simd::sums_of_each(sums) / divisor;
        if (out_stride == 1) {
            simd::store(out + plane, averages);
        } else {
            alignas(64) T lane_values[width];
            simd::store(lane_values, averages);
            for (std::ptrdiff_t k = 0; k < width; ++k) out[(plane + k) * out_stride] = lane_values[k];
        }
    }
    for (; plane < planes; ++plane) {
        out[plane * out_stride] = average<T>::value(average<T>::span(in + plane * in_stride, plane_size, 0), plane_size);
    }
}

/// Contiguous rows: the innermost spatial dim has stride 1.
///
/// With `interleave` > 1 a row holds that many channels per position
/// (channels-last memory with fewer channels than a vector: an HWC image's row
/// is W * C contiguous values). The rows are still reduced with whole vectors;
/// each output then reduces every `interleave`-th entry of its slice, once per
/// channel, writing channel c at `c * out_channel_stride` (and
/// `c * index_channel_stride`).
template <class Reduction, class T, class I, std::size_t Spatial>
void rows_plane(const T* in, T* out, I* index, const spatial_layout<Spatial>& layout, std::ptrdiff_t interleave, std::ptrdiff_t out_channel_stride, std::ptrdiff_t index_channel_stride) noexcept {
    constexpr std::size_t outer = Spatial - 1;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr std::ptrdiff_t buffer_size = APOOL_ROW_BUFFER_ELEMENTS;
    static_assert(buffer_size >= 1, "APOOL_ROW_BUFFER_ELEMENTS must be at least 1");
    const std::ptrdiff_t row_length = layout.in_extent[outer];
    const std::ptrdiff_t out_row_length = layout.out_extent[outer];
    const std::ptrdiff_t out_column_stride = layout.out_stride[outer];
    const std::ptrdiff_t index_column_stride = layout.index_stride[outer];
    // Row positions whose entries fit in the buffer.
    const std::ptrdiff_t buffer_positions = buffer_size / interleave;
    alignas(64) T buffer_values[buffer_size];
    alignas(64) T buffer_bits[Reduction::tracks_index ? buffer_size : 1];

    output_window<outer> box{};
    auto per_row_window = [&](const window_box<outer>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        const std::ptrdiff_t rows = box_count<outer>(b);
        const std::ptrdiff_t first_row_index = box_first_index<outer>(layout, b);
        auto output_at = [&](std::ptrdiff_t column, std::ptrdiff_t channel) {
            return out + out_offset + column * out_column_stride + channel * out_channel_stride;
        };
        auto index_at = [&](std::ptrdiff_t column, std::ptrdiff_t channel) {
            return index != nullptr ? index + index_offset + column * index_column_stride + channel * index_channel_stride : nullptr;
        };
        auto windows = adaptive_windows(row_length, out_row_length).begin();

        if (rows == 1 && interleave == 1) {
            const T* row = in;
            auto locate = [&](std::ptrdiff_t offset, std::ptrdiff_t) { row = in + offset; };
            walk_box<outer>(layout, b, 0, 0, locate);
            for (std::ptrdiff_t column = 0; column < out_row_length; ++column, ++windows) {
                const window w = *windows;
                write_result<Reduction>(Reduction::span(row + w.start, w.size(), first_row_index + w.start), w.size(),
                                        output_at(column, 0), index_at(column, 0));
            }
            return;
        }

        // Several rows: sum (or max) them column-wise into the buffer, one chunk
        // of columns at a time, then reduce each window's slice of the buffer.
        std::ptrdiff_t column = 0;
        while (column < out_row_length) {
            const window first = *windows;
            if (first.size() > buffer_positions) {
                // A window wider than the buffer: reduce each row's slice and merge
                // (interleaved: each channel's window element by element).
                if (interleave == 1) {
                    auto s = Reduction::start(first_row_index + first.start);
                    auto merge_row = [&](std::ptrdiff_t offset, std::ptrdiff_t row_index) {
                        Reduction::combine(s, Reduction::span(in + offset + first.start, first.size(), row_index + first.start));
                    };
                    walk_box<outer>(layout, b, 0, 0, merge_row);
                    write_result<Reduction>(s, rows * first.size(), output_at(column, 0), index_at(column, 0));
                } else {
                    for (std::ptrdiff_t channel = 0; channel < interleave; ++channel) {
                        auto s = Reduction::start(first_row_index + first.start);
                        auto add_row = [&](std::ptrdiff_t offset, std::ptrdiff_t row_index) {
                            for (std::ptrdiff_t i = first.start; i < first.end; ++i) {
                                Reduction::accumulate(s, in[offset + i * interleave + channel], row_index + i);
                            }
                        };
                        walk_box<outer>(layout, b, 0, 0, add_row);
                        write_result<Reduction>(s, rows * first.size(), output_at(column, channel), index_at(column, channel));
                    }
                }
                ++column;
                ++windows;
                continue;
            }
            // The chunk: as many consecutive windows as fit in the buffer.
            const std::ptrdiff_t chunk_start = first.start;
            std::ptrdiff_t chunk_end = first.end;
            std::ptrdiff_t chunk_columns = 1;
            auto probe = windows;
            for (++probe; column + chunk_columns < out_row_length; ++probe, ++chunk_columns) {
                const window next = *probe;
                if (next.end - chunk_start > buffer_positions) break;
                chunk_end = next.end;
            }
            const std::ptrdiff_t chunk_length = (chunk_end - chunk_start) * interleave;
            const T* chunk_in = in + chunk_start * interleave;
            // `blocks` vectors of columns from `first`, the last moved back by
            // `last_shift`, in one walk over the rows: independent chains hide
            // the latency of each row's update. Each row read prefetches the
            // same columns one window further along the last outer dim, where
            // the next output row reads: the hardware prefetchers alone left
            // pspnet_ppm_6 NCHW at 2.0-3.6x the read-once floor in the bench, depending on
            // where the compiler happened to place this loop.
            const std::ptrdiff_t ahead = next_window_ahead<outer>(layout, b);
            auto reduce_blocks = [&](auto blocks, std::ptrdiff_t first, std::ptrdiff_t last_shift) {
                typename Reduction::vector_state states[decltype(blocks)::value];
                reduce_lanes<Reduction, outer, true>(chunk_in + first, layout, b, first_row_index, states, last_shift, ahead);
                for (std::ptrdiff_t k = 0; k < decltype(blocks)::value; ++k) {
                    const std::ptrdiff_t at = first + k * width - (k + 1 == decltype(blocks)::value ? last_shift : 0);
                    Reduction::store_partial(states[k], buffer_values + at, buffer_bits + (Reduction::tracks_index ? at : 0));
                }
            };
            std::ptrdiff_t j = 0;
            for (; j + 4 * width <= chunk_length; j += 4 * width) reduce_blocks(std::integral_constant<std::ptrdiff_t, 4>{}, j, 0);
            if (j < chunk_length && chunk_length >= width) {
                // The rest, one to four vectors, the last ending at the chunk's
                // end. Columns are independent, so those it shares with the
                // previous vector get the same results again.
                const std::ptrdiff_t rest = (chunk_length - j + width - 1) / width;
                const std::ptrdiff_t last_shift = j + rest * width - chunk_length;
                switch (rest) {
                    case 1: reduce_blocks(std::integral_constant<std::ptrdiff_t, 1>{}, j, last_shift); break;
                    case 2: reduce_blocks(std::integral_constant<std::ptrdiff_t, 2>{}, j, last_shift); break;
                    case 3: reduce_blocks(std::integral_constant<std::ptrdiff_t, 3>{}, j, last_shift); break;
                    default: reduce_blocks(std::integral_constant<std::ptrdiff_t, 4>{}, j, last_shift); break;
                }
                j = chunk_length;
            }
            for (; j < chunk_length; ++j) {
                Reduction::store_partial(reduce_scalar<Reduction, outer>(chunk_in + j, layout, b, first_row_index), buffer_values + j,
                                         buffer_bits + (Reduction::tracks_index ? j : 0));
            }
            for (std::ptrdiff_t done = 0; done < chunk_columns; ++done, ++column, ++windows) {
                const window w = *windows;
                if constexpr (simd::has_lane_permute<T>) {
                    // Windows of up to a vector: scalar passes over their entries
                    // were most of max_56_to_7 NCHW's time, and a good part of
                    // image_to_224's.
                    if (interleave == 1 && w.size() <= width && chunk_length >= width) {
                        write_result<Reduction>(Reduction::buffer_window(buffer_values, buffer_bits, chunk_length, w.start - chunk_start,
                                                                         w.size(), w.start),
                                                rows * w.size(), output_at(column, 0), index_at(column, 0));
                        continue;
                    }
                }
                for (std::ptrdiff_t channel = 0; channel < interleave; ++channel) {
                    const std::ptrdiff_t at = (w.start - chunk_start) * interleave + channel;
                    write_result<Reduction>(Reduction::buffer_span(buffer_values + at, buffer_bits + (Reduction::tracks_index ? at : 0),
                                                                   w.size(), w.start, interleave),
                                            rows * w.size(), output_at(column, channel), index_at(column, channel));
                }
            }
        }
    };
    for_each_window<outer>(layout, box, 0, 0, per_row_window);
}

}  // namespace detail
}  // namespace apool
