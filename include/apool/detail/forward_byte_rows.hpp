// apool: the byte_rows kernel, the adaptive average of 8-bit rows whose
// positions interleave a few channels (an HWC image: each row W * C bytes),
// into the bytes' own type or float. Under each output row the window's input
// rows are summed into 16-bit column sums, a vector of bytes at a time; along
// the row, a shifted add sums every run of the narrowest window's positions,
// each output takes its run (and its window's further positions), and the
// sum is divided exactly. int8 is summed with its sign bit flipped (value +
// 128, a uint8), so that every sum is unsigned: 128 is even, so the shifted
// average rounds half to even exactly where the true one does, 128 above it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "../config.hpp"
#include "../simd/compact_words.hpp"
#include "../simd/prefetch.hpp"
#include "../window.hpp"
#include "element_types.hpp"
#include "forward_staged.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Whether the byte_rows kernel computes a Reduction: the average of uint8 or
/// int8 into its own type or float.
template <class Reduction>
constexpr bool is_byte_average =
    is_byte_integer<typename Reduction::element> && !Reduction::tracks_index &&
    (std::is_same<typename Reduction::result, typename Reduction::element>::value || std::is_same<typename Reduction::result, float>::value);

/// The most input positions of a window whose sum fits 16 bits (257 * 255 = 65535).
constexpr std::ptrdiff_t byte_rows_largest_window = 65535 / 255;

/// Entries of each of the byte_rows kernel's stack buffers: column sums of a
/// piece of a row, window sums, results.
constexpr std::ptrdiff_t byte_rows_buffer_entries = APOOL_ROW_BUFFER_ELEMENTS;

/// Whether byte_rows takes a problem whose positions hold `channels`
/// interleaved channels: each row is one run of positions of `channels`
/// values, every window's sum fits 16 bits, and one window's columns fit the
/// buffer (bounds from the widest window each dim can have).
template <std::size_t Spatial>
bool byte_rows_suit(const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels) noexcept {
    constexpr std::size_t last = Spatial - 1;
    if (channels < 1 || (spatial.in_stride[last] != channels && spatial.in_extent[last] > 1)) return false;
    const std::ptrdiff_t widest = (spatial.in_extent[last] + spatial.out_extent[last] - 1) / spatial.out_extent[last] + 1;
    return widest * channels <= byte_rows_buffer_entries && widest_window_rows(spatial) * widest <= byte_rows_largest_window;
}

/// A byte's value in the unsigned sums: uint8 as it is, int8 plus 128.
template <class T>
inline std::uint16_t unsigned_byte(T value) noexcept {
    if constexpr (std::is_signed<T>::value) {
        return static_cast<std::uint16_t>(static_cast<std::uint8_t>(value) ^ 0x80u);
    } else {
        return value;
    }
}

/// sums[i] = the sum of rows[r][offset + i] over the `count` rows (at least
/// one), for i in [0, size): two rows per pass over the sums, which stay in L1.
template <class T>
void sum_byte_rows(const T* const* rows, std::ptrdiff_t count, std::ptrdiff_t offset, std::uint16_t* __restrict sums,
                   std::ptrdiff_t size) noexcept {
    std::ptrdiff_t r = 0;
    if (count % 2 == 1) {
        const T* __restrict row = rows[0] + offset;
        for (std::ptrdiff_t i = 0; i < size; ++i) sums[i] = unsigned_byte(row[i]);
        r = 1;
    } else {
        const T* __restrict first = rows[0] + offset;
        const T* __restrict second = rows[1] + offset;
        for (std::ptrdiff_t i = 0; i < size; ++i) sums[i] = static_cast<std::uint16_t>(unsigned_byte(first[i]) + unsigned_byte(second[i]));
        r = 2;
    }
    for (; r < count; r += 2) {
        const T* __restrict first = rows[r] + offset;
        const T* __restrict second = rows[r + 1] + offset;
        for (std::ptrdiff_t i = 0; i < size; ++i) {
            sums[i] = static_cast<std::uint16_t>(sums[i] + unsigned_byte(first[i]) + unsigned_byte(second[i]));
        }
    }
}

/// runs[f] = the sum of columns[f + j * step] for j in [0, terms), for f in
/// [0, size): every run of `terms` positions `step` apart, one vector of
/// shifted columns at a time.
inline void sum_runs(const std::uint16_t* __restrict columns, std::ptrdiff_t terms, std::ptrdiff_t step, std::uint16_t* __restrict runs,
                     std::ptrdiff_t size) noexcept {
    if (terms == 1) {
        for (std::ptrdiff_t f = 0; f < size; ++f) runs[f] = columns[f];
        return;
    }
    const std::uint16_t* __restrict second = columns + step;
    for (std::ptrdiff_t f = 0; f < size; ++f) runs[f] = static_cast<std::uint16_t>(columns[f] + second[f]);
    for (std::ptrdiff_t j = 2; j < terms; ++j) {
        const std::uint16_t* __restrict shifted = columns + j * step;
        for (std::ptrdiff_t f = 0; f < size; ++f) runs[f] = static_cast<std::uint16_t>(runs[f] + shifted[f]);
    }
}

/// round_byte_averages for a count of 2^Shift (at most 256): the quotient
/// sum >> Shift steps up where the rest is above a half, or a half with the
/// quotient odd, that is where sum + half - 1 + (quotient & 1) reaches the
/// next multiple (below 2^16 for sums of at most 256 bytes). A shift by a
/// constant keeps the vectors at 16-bit lanes.
template <int Shift>
void round_by_shift(const std::uint16_t* __restrict sums, std::ptrdiff_t size, std::uint8_t flip, std::uint8_t* __restrict out) noexcept {
    constexpr std::uint16_t half_less_one = (1u << Shift) / 2 - 1;
    constexpr std::uint16_t count = 1u << Shift;
    for (std::ptrdiff_t i = 0; i < size; ++i) {
        const std::uint16_t sum = sums[i];
        const std::uint16_t odd = (sum & count) != 0 ? 1 : 0;
        out[i] = static_cast<std::uint8_t>(static_cast<std::uint16_t>(sum + half_less_one + odd) >> Shift ^ flip);
    }
}

/// Bytes from sums of `count` unsigned bytes each (count at most
/// byte_rows_largest_window): sum / count rounded to nearest, ties to even,
/// xor `flip` (int8's sign bit back). floor(v) with v = (2 sum + count) /
/// (2 count), the average plus a half, rounds half up; a tie is v whole, where
/// an odd floor steps down to the even neighbour. v lies in [1/2, 255.5] and,
/// where it is not whole, at least 1/514 from a whole number; the float
/// product with the reciprocal is within 2^-15 of v, so adding 2^-10 and
/// truncating gives floor(v) exactly.
inline void round_byte_averages(const std::uint16_t* __restrict sums, std::ptrdiff_t size, std::int32_t count, std::uint8_t flip,
                                std::uint8_t* __restrict out) noexcept {
    switch (count) {
        case 2: round_by_shift<1>(sums, size, flip, out); return;
        case 4: round_by_shift<2>(sums, size, flip, out); return;
        case 8: round_by_shift<3>(sums, size, flip, out); return;
        case 16: round_by_shift<4>(sums, size, flip, out); return;
        case 32: round_by_shift<5>(sums, size, flip, out); return;
        case 64: round_by_shift<6>(sums, size, flip, out); return;
        case 128: round_by_shift<7>(sums, size, flip, out); return;
        case 256: round_by_shift<8>(sums, size, flip, out); return;
        default: break;
    }
    const std::int32_t twice = 2 * count;
    const float reciprocal = 1.0f / static_cast<float>(twice);
    for (std::ptrdiff_t i = 0; i < size; ++i) {
        const std::int32_t doubled = 2 * static_cast<std::int32_t>(sums[i]) + count;
        std::int32_t quotient = static_cast<std::int32_t>(static_cast<float>(doubled) * reciprocal + 0x1p-10f);
        quotient -= static_cast<std::int32_t>(quotient * twice == doubled) & quotient;
        out[i] = static_cast<std::uint8_t>(quotient ^ flip);
    }
}

/// round_byte_averages with a count per sum: the float quotient is correctly
/// rounded, within 2^-16 of v, so truncating it gives floor(v) exactly.
inline void round_byte_averages(const std::uint16_t* __restrict sums, const std::uint16_t* __restrict counts, std::ptrdiff_t size,
                                std::uint8_t flip, std::uint8_t* __restrict out) noexcept {
    for (std::ptrdiff_t i = 0; i < size; ++i) {
        const std::int32_t twice = 2 * static_cast<std::int32_t>(counts[i]);
        const std::int32_t doubled = 2 * static_cast<std::int32_t>(sums[i]) + counts[i];
        std::int32_t quotient = static_cast<std::int32_t>(static_cast<float>(doubled) / static_cast<float>(twice));
        quotient -= static_cast<std::int32_t>(quotient * twice == doubled) & quotient;
        out[i] = static_cast<std::uint8_t>(quotient ^ flip);
    }
}

/// Float averages from sums of `counts[i]` unsigned bytes, each `bias` above
/// its element: the exact sum over the count, divided once in float (exact
/// integers below 2^24), as the generic kernel divides.
inline void float_byte_averages(const std::uint16_t* __restrict sums, const std::uint16_t* __restrict counts, std::ptrdiff_t size,
                                std::int32_t bias, float* __restrict out) noexcept {
    for (std::ptrdiff_t i = 0; i < size; ++i) {
        const std::int32_t sum = static_cast<std::int32_t>(sums[i]) - bias * static_cast<std::int32_t>(counts[i]);
        out[i] = static_cast<float>(sum) / static_cast<float>(counts[i]);
    }
}

/// float_byte_averages with one count for every sum.
inline void float_byte_averages(const std::uint16_t* __restrict sums, std::ptrdiff_t size, std::int32_t count, std::int32_t bias,
                                float* __restrict out) noexcept {
    const std::int32_t total_bias = bias * count;
    const auto divisor = static_cast<float>(count);
    for (std::ptrdiff_t i = 0; i < size; ++i) out[i] = static_cast<float>(static_cast<std::int32_t>(sums[i]) - total_bias) / divisor;
}

/// out[x * channels + c] = from[x * stride + c] for x in [0, positions): the
/// first `channels` sums of every window's run (simd::compact_words, whose
/// vectors read within the first `readable` sums of `from`).
inline void compact_positions(const std::uint16_t* from, std::ptrdiff_t stride, std::ptrdiff_t positions, std::ptrdiff_t channels,
                              std::ptrdiff_t readable, std::uint16_t* out) noexcept {
    switch (channels) {
        case 1: simd::compact_words<1>(from, stride, positions, readable, out); return;
        case 2: simd::compact_words<2>(from, stride, positions, readable, out); return;
        case 3: simd::compact_words<3>(from, stride, positions, readable, out); return;
        case 4: simd::compact_words<4>(from, stride, positions, readable, out); return;
        default:
            for (std::ptrdiff_t x = 0; x < positions; ++x) {
                for (std::ptrdiff_t c = 0; c < channels; ++c) out[x * channels + c] = from[x * stride + c];
            }
    }
}

/// The outputs of one plane (its channels interleaved: `channels` values a
/// position, the channel stride 1 in the input and `channel_out_stride` in the
/// output) within spatial.out_range: each output row a piece of whole windows
/// at a time, whose columns fit the buffers.
template <class T, class Out, std::size_t Spatial>
void byte_rows_plane(const T* in, Out* out, const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels,
                     std::ptrdiff_t channel_out_stride) noexcept {
    constexpr std::size_t last = Spatial - 1;
    constexpr std::ptrdiff_t entries = byte_rows_buffer_entries;
    constexpr bool into_bytes = std::is_same<Out, T>::value;
    // int8's 128 added to every value: the flipped sign bit, and the bias of each sum.
    constexpr std::uint8_t sign_bias = std::is_signed<T>::value ? 128 : 0;
    const std::ptrdiff_t in_width = spatial.in_extent[last], out_width = spatial.out_extent[last];
    const window columns = spatial.out_range[last];
    if (columns.size() <= 0) return;
    // Equal windows along the row: pieces of a fixed count of outputs, and one
    // count for the whole output row.
    const bool equal_windows = in_width % out_width == 0;
    const std::ptrdiff_t out_step = spatial.out_stride[last];
    const bool dense_out = out_step == channels && (channels == 1 || channel_out_stride == 1);
    std::uint16_t column_sums[entries];
    std::uint16_t run_sums[entries];
    std::uint16_t wider_run_sums[entries];
    std::uint16_t window_sums[entries];
    std::uint16_t counts[entries];
    Out results[entries];
    const T* rows[byte_rows_largest_window];

    auto per_output_row = [&](const window_box<Spatial>& box, std::ptrdiff_t out_offset, std::ptrdiff_t) {
        std::ptrdiff_t row_count = 0;
        auto collect = [&](std::ptrdiff_t offset, std::ptrdiff_t) { rows[row_count++] = in + offset; };
        walk_box<last>(spatial, box, 0, 0, collect);
        auto windows = adaptive_windows(in_width, out_width).begin_at(columns.start);
        for (std::ptrdiff_t first = columns.start; first < columns.end;) {
            // The piece: outputs first to end - 1, whose columns and results
            // fit the buffers: a fixed count of equal windows, else found by
            // stepping through the windows.
            const std::ptrdiff_t first_input = (*windows).start;
            std::ptrdiff_t end = first, last_input = first_input, narrowest = in_width;
            auto next = windows;
            if (equal_windows) {
                narrowest = in_width / out_width;
                end = first + entries / (narrowest * channels) < columns.end ? first + entries / (narrowest * channels) : columns.end;
                last_input = end * narrowest;
                next = adaptive_windows(in_width, out_width).begin_at(end);
            } else {
                while (end < columns.end) {
                    const window w = *next;
                    if ((w.end - first_input) * channels > entries || (end - first + 1) * channels > entries) break;
                    last_input = w.end;
                    narrowest = w.size() < narrowest ? w.size() : narrowest;
                    ++end;
                    ++next;
                }
            }
            const std::ptrdiff_t outputs = end - first;
            const std::ptrdiff_t span = (last_input - first_input) * channels;
            // The next piece's bytes of every row, which the row's own stream
            // of reads would reach only after this piece's work.
            for (std::ptrdiff_t r = 0; r < row_count; ++r) simd::prefetch_run(rows[r] + first_input * channels, span, span);
            sum_byte_rows(rows, row_count, first_input * channels, column_sums, span);
            const std::ptrdiff_t run_count = span - (narrowest - 1) * channels;
            sum_runs(column_sums, narrowest, channels, run_sums, run_count);
            // The results go straight to a dense output row, else through the buffer.
            Out* row_out = out + out_offset + first * out_step;
            Out* target = dense_out ? row_out : results;
            if (equal_windows) {
                // One count: each output's run picked, then divided.
                compact_positions(run_sums, narrowest * channels, outputs, channels, run_count, window_sums);
                const auto count = static_cast<std::int32_t>(row_count * narrowest);
                if constexpr (into_bytes) {
                    round_byte_averages(window_sums, outputs * channels, count, sign_bias, reinterpret_cast<std::uint8_t*>(target));
                } else {
                    float_byte_averages(window_sums, outputs * channels, count, sign_bias, target);
                }
            } else {
                // Windows along a row differ in size by one at most: the runs
                // one position longer too, so that each output takes one run.
                const std::ptrdiff_t wider_count = span - narrowest * channels;
                const std::uint16_t* __restrict next_column = column_sums + narrowest * channels;
                for (std::ptrdiff_t f = 0; f < wider_count; ++f) wider_run_sums[f] = static_cast<std::uint16_t>(run_sums[f] + next_column[f]);
                std::ptrdiff_t i = 0;
                for (auto w = windows; i < outputs * channels; ++w) {
                    const window columns_of = *w;
                    const std::ptrdiff_t at = (columns_of.start - first_input) * channels;
                    const auto count = static_cast<std::uint16_t>(row_count * columns_of.size());
                    const std::uint16_t* runs = columns_of.size() > narrowest ? wider_run_sums : run_sums;
                    for (std::ptrdiff_t c = 0; c < channels; ++c, ++i) {
                        auto sum = static_cast<std::uint32_t>(runs[at + c]);
                        for (std::ptrdiff_t j = narrowest + 1; j < columns_of.size(); ++j) sum += column_sums[at + j * channels + c];
                        window_sums[i] = static_cast<std::uint16_t>(sum);
                        counts[i] = count;
                    }
                }
                if constexpr (into_bytes) {
                    round_byte_averages(window_sums, counts, outputs * channels, sign_bias, reinterpret_cast<std::uint8_t*>(target));
                } else {
                    float_byte_averages(window_sums, counts, outputs * channels, sign_bias, target);
                }
            }
            if (!dense_out) {
                for (std::ptrdiff_t x = 0; x < outputs; ++x) {
                    for (std::ptrdiff_t c = 0; c < channels; ++c) row_out[x * out_step + c * channel_out_stride] = results[x * channels + c];
                }
            }
            first = end;
            windows = next;
        }
    };
    output_window<Spatial> rows_box{};
    for_each_window<last>(spatial, rows_box, 0, 0, per_output_row);
}

}  // namespace detail
}  // namespace apool
