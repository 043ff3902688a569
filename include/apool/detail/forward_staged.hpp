// apool: the staged kernels. The element types without vector kernels of
// their own (16-bit floats and bytes, into their own type or into float) pool
// through float's: a stage of the input is converted into dense float on the
// stack (exactly), pooled there by float's plan and kernels, and the results
// are converted into the output (rounded once). `staged_planes` stages whole
// planes, a group at a time; `staged_rows` stages, for a group of planes, the
// input rows under one output row (every dim but the last fixed): their
// pooling is the adaptive pooling of those rows into one row, whose windows
// along the last dim are the problem's own. Float sums of bytes are exact in
// stages of up to 2^24 / 255 elements, far above the stage's size.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../config.hpp"
#include "../window.hpp"
#include "../simd.hpp"
#include "../simd/widen.hpp"
#include "../strided_view.hpp"
#include "element_types.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// The most planes one staged group holds (each of at least
/// APOOL_STAGE_ELEMENTS / most_staged_planes elements fills the stage).
constexpr std::ptrdiff_t most_staged_planes = 256;

/// Planes per staged group for planes of these sizes (0: the stage is too
/// small): a multiple of float's lanes where more fit, so that float's tiled
/// kernel, a vector of planes at a time, has no partial group but the call's last.
inline std::ptrdiff_t staged_group(std::ptrdiff_t plane_size, std::ptrdiff_t out_plane_size) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<float>;
    const std::ptrdiff_t larger = plane_size > out_plane_size ? plane_size : out_plane_size;
    std::ptrdiff_t fit = larger > 0 ? APOOL_STAGE_ELEMENTS / larger : 0;
    if (fit > most_staged_planes) fit = most_staged_planes;
    return fit > width ? fit - fit % width : fit;
}

/// Pools the planes numbered `first_plane` to `last_plane` - 1 (at most a
/// group) of a plan's problem through float: `pool_floats(in, out, indices)`
/// pools them as dense float planes with float's plan and kernels.
template <class Reduction, class T, class Out, class I, std::size_t Spatial, std::size_t Leading, class PoolFloats>
void staged_planes(const leading_layout<Leading>& planes, std::size_t skip, const spatial_layout<Spatial>& spatial, const T* in, Out* out,
                   I* index, std::ptrdiff_t first_plane, std::ptrdiff_t last_plane, PoolFloats&& pool_floats) noexcept {
    constexpr bool with_indices = Reduction::tracks_index;
    float input_stage[APOOL_STAGE_ELEMENTS];
    float output_stage[APOOL_STAGE_ELEMENTS];
    std::int32_t index_stage[with_indices ? APOOL_STAGE_ELEMENTS : 1];
    const std::ptrdiff_t plane_size = spatial.plane_size();
    std::ptrdiff_t out_plane_size = 1;
    for (std::size_t d = 0; d < Spatial; ++d) out_plane_size *= spatial.out_extent[d];
    plane_offsets group[most_staged_planes];
    std::ptrdiff_t count = 0;
    for_each_plane(planes, skip, first_plane, last_plane, [&](const plane_offsets& at) { group[count++] = at; });

    window_box<Spatial> whole{};
    for (std::size_t d = 0; d < Spatial; ++d) whole[d] = {0, spatial.in_extent[d]};
    const std::ptrdiff_t row = spatial.in_extent[Spatial - 1];
    bool dense_plane = true;
    for (std::size_t d = 0; d < Spatial; ++d) dense_plane = dense_plane && spatial.in_stride[d] == spatial.flat_stride[d];
    for (std::ptrdiff_t j = 0; j < count; ++j) {
        const T* plane = in + group[j].in;
        float* staged = input_stage + j * plane_size;
        if (dense_plane) {
            simd::widen_to_float(plane, staged, plane_size);
        } else if (spatial.in_stride[Spatial - 1] == 1) {
            // Contiguous rows: a row at a time, with vectors.
            auto convert_row = [&](std::ptrdiff_t offset, std::ptrdiff_t flat) { simd::widen_to_float(plane + offset, staged + flat, row); };
            walk_box<Spatial - 1>(spatial, whole, 0, 0, convert_row);
        } else {
            auto convert = [&](std::ptrdiff_t offset, std::ptrdiff_t flat) { staged[flat] = widen<float>(plane[offset]); };
            walk_box<Spatial>(spatial, whole, 0, 0, convert);
        }
    }
    pool_floats(static_cast<const float*>(input_stage), static_cast<float*>(output_stage),
                with_indices && index != nullptr ? index_stage : nullptr);
    output_window<Spatial> current{};
    for (std::ptrdiff_t j = 0; j < count; ++j) {
        std::ptrdiff_t k = j * out_plane_size;
        auto write = [&](const window_box<Spatial>&, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
            out[group[j].out + out_offset] = Reduction::from_staged(output_stage[k]);
            if constexpr (with_indices) {
                if (index != nullptr) index[group[j].index + index_offset] = static_cast<I>(index_stage[k]);
            }
            ++k;
        };
        for_each_window<Spatial>(spatial, current, 0, 0, write);
    }
}

/// The most rows (positions of every spatial dim but the last) that one
/// window of the first Spatial - 1 dims spans.
template <std::size_t Spatial>
std::ptrdiff_t widest_window_rows(const spatial_layout<Spatial>& spatial) noexcept {
    std::ptrdiff_t rows = 1;
    for (std::size_t d = 0; d + 1 < Spatial; ++d) rows *= (spatial.in_extent[d] + spatial.out_extent[d] - 1) / spatial.out_extent[d] + 1;
    return rows;
}

constexpr std::ptrdiff_t greatest_common_divisor(std::ptrdiff_t a, std::ptrdiff_t b) noexcept {
    while (b != 0) {
        const std::ptrdiff_t rest = a % b;
        a = b;
        b = rest;
    }
    return a;
}

/// How staged_rows cuts a problem: `planes` per group, and each output row
/// into pieces of `columns` outputs. The windows along the last dim repeat
/// every Out / g outputs and In / g inputs (g = gcd(In, Out)): a piece of
/// whole periods is itself an adaptive pooling, of its input columns into its
/// outputs, with the problem's own windows. `planes` is 0 where one period of
/// one plane's window rows does not fit the stage; the fewer planes there are
/// (down to `total_planes`), the longer the pieces.
struct row_pieces {
    std::ptrdiff_t planes = 0;
    std::ptrdiff_t columns = 0;
};

template <std::size_t Spatial>
row_pieces staged_row_pieces(const spatial_layout<Spatial>& spatial, std::ptrdiff_t total_planes) noexcept {
    constexpr std::ptrdiff_t stage = APOOL_STAGE_ELEMENTS;
    const std::ptrdiff_t in = spatial.in_extent[Spatial - 1], out = spatial.out_extent[Spatial - 1];
    const std::ptrdiff_t common = greatest_common_divisor(in, out);
    const std::ptrdiff_t period_in = in / common, period_out = out / common;
    const std::ptrdiff_t rows = widest_window_rows(spatial);
    const std::ptrdiff_t unit = rows * period_in > period_out ? rows * period_in : period_out;  // elements per plane and period
    row_pieces pieces;
    if (unit > stage) return pieces;
    std::ptrdiff_t planes = stage / unit;
    if (planes > most_staged_planes) planes = most_staged_planes;
    if (planes > total_planes) planes = total_planes;
    constexpr std::ptrdiff_t width = simd::lanes<float>;
    if (planes > width) planes -= planes % width;
    std::ptrdiff_t periods = stage / (planes * unit);
    if (periods > common) periods = common;
    pieces.planes = planes;
    pieces.columns = periods * period_out;
    return pieces;
}

/// The shape of one staged_rows stage: `count` planes of the window rows
/// (dims 0 to Spatial - 2) and columns (the last dim) in `box`, pooled into
/// `out_columns` outputs, in channels-last order (plane innermost) or plane
/// after plane.
template <std::size_t Spatial>
struct row_stage {
    std::ptrdiff_t count = 0;
    window_box<Spatial> box{};
    std::ptrdiff_t out_columns = 0;
    bool channels_last = false;

    bool operator==(const row_stage& other) const noexcept {
        if (count != other.count || out_columns != other.out_columns || channels_last != other.channels_last) return false;
        for (std::size_t d = 0; d < Spatial; ++d) {
            if (box[d].size() != other.box[d].size()) return false;
        }
        return true;
    }
};

/// The output rows within spatial.out_range of the planes `first_plane` to
/// `last_plane` - 1, `columns` outputs at a time (whole periods, see
/// row_pieces), a stage each: `pool_floats(stage, in, out, indices)` pools a
/// stage's dense float planes with float's plan and kernels.
template <class Reduction, class T, class Out, class I, std::size_t Spatial, std::size_t Leading, class PoolFloats>
void staged_rows(const leading_layout<Leading>& planes, std::size_t skip, const spatial_layout<Spatial>& spatial, const T* in, Out* out,
                 I* index, std::ptrdiff_t first_plane, std::ptrdiff_t last_plane, std::ptrdiff_t columns,
                 PoolFloats&& pool_floats) noexcept {
    constexpr bool with_indices = Reduction::tracks_index;
    constexpr std::size_t last = Spatial - 1;
    float input_stage[APOOL_STAGE_ELEMENTS];
    float output_stage[APOOL_STAGE_ELEMENTS];
    std::int32_t index_stage[with_indices ? APOOL_STAGE_ELEMENTS : 1];
    plane_offsets group[most_staged_planes];
    std::ptrdiff_t count = 0;
    for_each_plane(planes, skip, first_plane, last_plane, [&](const plane_offsets& at) { group[count++] = at; });
    // Channels-last order where the group's planes are neighbours in memory.
    bool neighbours = true;
    for (std::ptrdiff_t j = 1; j < count; ++j) neighbours = neighbours && group[j].in == group[0].in + j;
    row_stage<Spatial> stage;
    stage.count = count;
    stage.channels_last = neighbours && count > 1;
    const std::ptrdiff_t in_width = spatial.in_extent[last], out_width = spatial.out_extent[last];
    const std::ptrdiff_t column_stride = spatial.in_stride[last];

    output_window<Spatial> rows_box{};
    auto per_output_row = [&](const window_box<Spatial>& rows, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        for (std::size_t d = 0; d < last; ++d) stage.box[d] = rows[d];
        std::ptrdiff_t row_count = 1;
        for (std::size_t d = 0; d < last; ++d) row_count *= rows[d].size();
        for (std::ptrdiff_t first_column = 0; first_column < out_width; first_column += columns) {
            const window outputs{first_column, first_column + columns < out_width ? first_column + columns : out_width};
            if (outputs.end <= spatial.out_range[last].start || outputs.start >= spatial.out_range[last].end) continue;
            // Whole periods: the piece's columns start and end on window bounds.
            const window inputs{window_start(outputs.start, in_width, out_width), window_end(outputs.end - 1, in_width, out_width)};
            stage.box[last] = inputs;
            stage.out_columns = outputs.size();
            const std::ptrdiff_t width = inputs.size();
            const std::ptrdiff_t plane_stage = row_count * width;
            std::ptrdiff_t row = 0;
            auto convert_row = [&](std::ptrdiff_t offset, std::ptrdiff_t) {
                const std::ptrdiff_t first = offset + inputs.start * column_stride;
                if (stage.channels_last) {
                    const T* source = in + group[0].in + first;
                    float* target = input_stage + row * width * count;
                    if (column_stride == count) {
                        simd::widen_to_float(source, target, width * count);  // the group is every channel: one run
                    } else {
                        for (std::ptrdiff_t x = 0; x < width; ++x) simd::widen_to_float(source + x * column_stride, target + x * count, count);
                    }
                } else {
                    for (std::ptrdiff_t j = 0; j < count; ++j) {
                        const T* source = in + group[j].in + first;
                        float* target = input_stage + j * plane_stage + row * width;
                        if (column_stride == 1) {
                            simd::widen_to_float(source, target, width);
                        } else {
                            for (std::ptrdiff_t x = 0; x < width; ++x) target[x] = widen<float>(source[x * column_stride]);
                        }
                    }
                }
                ++row;
            };
            walk_box<last>(spatial, stage.box, 0, 0, convert_row);
            pool_floats(stage, static_cast<const float*>(input_stage), static_cast<float*>(output_stage),
                        with_indices && index != nullptr ? index_stage : nullptr);
            const std::ptrdiff_t first_x = outputs.start > spatial.out_range[last].start ? outputs.start : spatial.out_range[last].start;
            const std::ptrdiff_t end_x = outputs.end < spatial.out_range[last].end ? outputs.end : spatial.out_range[last].end;
            for (std::ptrdiff_t j = 0; j < count; ++j) {
                for (std::ptrdiff_t x = first_x; x < end_x; ++x) {
                    const std::ptrdiff_t local = x - outputs.start;
                    const std::ptrdiff_t at = stage.channels_last ? local * count + j : j * outputs.size() + local;
                    out[group[j].out + out_offset + x * spatial.out_stride[last]] = Reduction::from_staged(output_stage[at]);
                    if constexpr (with_indices) {
                        if (index != nullptr) {
                            // The stage's flat index, in its rows and columns, into the plane's.
                            std::ptrdiff_t rest = index_stage[at];
                            std::ptrdiff_t flat = inputs.start + rest % width;
                            rest /= width;
                            for (std::size_t d = last; d-- > 0;) {
                                flat += (rows[d].start + rest % rows[d].size()) * spatial.flat_stride[d];
                                rest /= rows[d].size();
                            }
                            index[group[j].index + index_offset + x * spatial.index_stride[last]] = static_cast<I>(flat);
                        }
                    }
                }
            }
        }
    };
    for_each_window<last>(spatial, rows_box, 0, 0, per_output_row);
}

}  // namespace detail
}  // namespace apool
