// apool: a max pyramid's coarser levels from a finer level's outputs.
//
// Where a level's output size divides another level's in every spatial dim
// (SPP's 1 and 2 from 4; PSPNet's 1, 2 and 3 from 6), each of its windows is
// the union of whole windows of the finer level: the windows of outputs k*r
// to k*r + r - 1 of the size r*out start where window k of size out starts,
// end where it ends, and overlap or touch in between. Its max is then the max
// of those windows' maxima, read from the finer level's output instead of
// from the input. With indices the bytes equal the level's own call: among
// equal values the first in scan order is the one with the smallest flat
// index (scan order is flat order), and the last NaN of the union is the last
// NaN of its finer window, the NaN with the largest index. Without indices the
// finer values cannot tell which of two equal values with different bits (+0
// and -0) or of two different NaNs comes first or last in the union: such an
// output is pooled from its window of the input instead.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../strided_view.hpp"
#include "../window.hpp"
#include "call_checks.hpp"
#include "element_types.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// For each level of a max pyramid, the finer level its outputs come from,
/// or -1 where it is pooled from the input; and the order to compute the
/// levels in (larger planes first, so that every source comes before the
/// levels it feeds). A source is the smallest level whose spatial extents
/// are multiples of this one's, and whose plane is smaller than the input's
/// (reading it costs less than reading the input).
struct derived_levels {
    std::array<int, most_results> source{};
    std::array<std::size_t, most_results> order{};
};

template <std::size_t Spatial, class Out, std::size_t Rank>
derived_levels plan_derived_levels(const std::array<std::ptrdiff_t, Rank>& input_extents, const strided_view<Out, Rank>* outputs,
                                   std::size_t levels) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    std::array<std::ptrdiff_t, most_results> plane{};
    std::ptrdiff_t input_plane = 1;
    for (std::size_t d = leading; d < Rank; ++d) input_plane *= input_extents[d];
    derived_levels result;
    for (std::size_t k = 0; k < levels; ++k) {
        plane[k] = 1;
        for (std::size_t d = leading; d < Rank; ++d) plane[k] *= outputs[k].extent(d);
        // Insertion by plane size, largest first; equal sizes keep their order.
        std::size_t at = k;
        while (at > 0 && plane[result.order[at - 1]] < plane[k]) {
            result.order[at] = result.order[at - 1];
            --at;
        }
        result.order[at] = k;
    }
    for (std::size_t p = 0; p < levels; ++p) {
        const std::size_t k = result.order[p];
        result.source[k] = -1;
        if (plane[k] == 0) continue;
        for (std::size_t q = 0; q < p; ++q) {
            const std::size_t j = result.order[q];
            if (plane[j] >= input_plane) continue;
            bool multiple = true;
            for (std::size_t d = leading; d < Rank; ++d) multiple = multiple && outputs[j].extent(d) % outputs[k].extent(d) == 0;
            if (multiple && (result.source[k] < 0 || plane[j] < plane[static_cast<std::size_t>(result.source[k])])) {
                result.source[k] = static_cast<int>(j);
            }
        }
    }
    return result;
}

/// Elements of the innermost leading dim a work item of derive_max_level
/// takes: one item's share of the finer level stays in L1 while each output
/// position's window of it is read.
constexpr std::ptrdiff_t derived_line_chunk = 64;

/// The work items of derive_max_level for views of these extents: chunks of
/// the innermost leading dim, for each position of the outer ones.
template <std::size_t Spatial, std::size_t Rank>
std::ptrdiff_t derived_items(const std::array<std::ptrdiff_t, Rank>& extents) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    std::ptrdiff_t items = 1;
    for (std::size_t d = 0; d + 1 < leading; ++d) items *= extents[d];
    if constexpr (leading > 0) items *= (extents[leading - 1] + derived_line_chunk - 1) / derived_line_chunk;
    return items;
}

/// A max result as the policies compare it: 16-bit floats as float.
template <class Out>
auto compared(Out value) noexcept {
    if constexpr (is_half_precision<Out>) {
        return static_cast<float>(value);
    } else {
        return value;
    }
}

/// A result's bits, to tell +0 from -0 and one NaN from another.
template <class Out>
auto bits_of(Out value) noexcept {
    using bits = std::conditional_t<sizeof(Out) == 8, std::uint64_t,
                                    std::conditional_t<sizeof(Out) == 4, std::uint32_t,
                                                       std::conditional_t<sizeof(Out) == 2, std::uint16_t, std::uint8_t>>>;
    bits b;
    std::memcpy(&b, &value, sizeof(Out));
    return b;
}

/// Compares `count` finer outputs (with their indices where `finer_index` is
/// not null) with the ones held, and keeps the ones that come first in the
/// union's scan order. Returns whether, without indices, two NaNs or two
/// equal values of different bits met: their order is not known then. The
/// loops select rather than branch, over staged lines, so they vectorize.
template <class Out, class I>
bool compare_finer(Out* held, I* held_index, const Out* finer, const I* finer_index, std::ptrdiff_t count) noexcept {
    bool ambiguous = false;
    if (finer_index != nullptr) {
        for (std::ptrdiff_t c = 0; c < count; ++c) {
            const auto value = compared(finer[c]), held_value = compared(held[c]);
            const I index = finer_index[c], kept_index = held_index[c];
            const bool take = (value > held_value) | ((value == held_value) & (index < kept_index)) |
                              ((value != value) & ((held_value == held_value) | (index > kept_index)));
            held[c] = take ? finer[c] : held[c];
            held_index[c] = take ? index : kept_index;
        }
    } else {
        for (std::ptrdiff_t c = 0; c < count; ++c) {
            const auto value = compared(finer[c]), held_value = compared(held[c]);
            const bool value_nan = value != value, held_nan = held_value != held_value;
            const bool take = (value > held_value) | (value_nan & (held_nan == false));
            ambiguous |= (take == false) & ((value == held_value) | (value_nan & held_nan)) & (bits_of(finer[c]) != bits_of(held[c]));
            held[c] = take ? finer[c] : held[c];
        }
    }
    return ambiguous;
}

/// The max of one output's window of the input, in scan order (a larger
/// element or any NaN replaces), as its own call gives it.
template <std::size_t Spatial, class T, class Out, std::size_t Rank>
Out max_of_input_window(const strided_view<const T, Rank>& input, std::ptrdiff_t plane_at, const std::array<std::ptrdiff_t, Spatial>& position,
                        const std::array<std::ptrdiff_t, Spatial>& out_extent) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    using value_type = floating_accumulator_t<T, Out>;
    // The window's start, and the position within it, stepped by next_position.
    std::array<std::ptrdiff_t, Spatial> start{}, size{}, at{};
    std::ptrdiff_t count = 1;
    for (std::size_t d = 0; d < Spatial; ++d) {
        const window box = adaptive_window(position[d], input.extent(leading + d), out_extent[d]);
        start[d] = box.start;
        size[d] = box.size();
        count *= size[d];
    }
    T kept = input.data()[plane_at];
    value_type best{};
    for (std::ptrdiff_t visited = 0; visited < count; ++visited) {
        std::ptrdiff_t offset = plane_at;
        for (std::size_t d = 0; d < Spatial; ++d) offset += (start[d] + at[d]) * input.stride(leading + d);
        const T element = input.data()[offset];
        const value_type value = widen<value_type>(element);
        if (visited == 0 || value > best || value != value) {
            kept = element;
            best = value;
        }
        next_position(at, size, Spatial, Spatial, [](std::size_t, std::ptrdiff_t) {});
    }
    if constexpr (is_half_precision<Out>) {
        return Out(static_cast<float>(kept));
    } else {
        return widen<Out>(kept);
    }
}

/// Work items `first` to `last` - 1 of a max level derived from a finer one
/// (`source`, whose spatial extents are multiples of `target`'s); indices
/// both null or both given. An item is a chunk of the innermost leading dim at
/// one position of the outer ones; for each output position it takes the
/// first finer output of its window, then compares the others in scan order.
template <std::size_t Spatial, class T, class Out, class I, std::size_t Rank>
void derive_max_level(const strided_view<const T, Rank>& input, const strided_view<Out, Rank>& source,
                      const strided_view<I, Rank>* source_indices, const strided_view<Out, Rank>& target,
                      const strided_view<I, Rank>* target_indices, std::ptrdiff_t first, std::ptrdiff_t last) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    const bool with_indices = target_indices != nullptr;
    std::ptrdiff_t line_length = 1;
    std::ptrdiff_t in_step = 0, source_step = 0, index_step = 0, target_step = 0, target_index_step = 0;
    if constexpr (leading > 0) {
        line_length = target.extent(leading - 1);
        in_step = input.stride(leading - 1);
        source_step = source.stride(leading - 1);
        target_step = target.stride(leading - 1);
        if (with_indices) {
            index_step = source_indices->stride(leading - 1);
            target_index_step = target_indices->stride(leading - 1);
        }
    }
    const std::ptrdiff_t chunks = (line_length + derived_line_chunk - 1) / derived_line_chunk;
    std::array<std::ptrdiff_t, Spatial> out_extent{};
    std::array<std::ptrdiff_t, Spatial> ratio{};
    std::ptrdiff_t out_count = 1, box_count = 1;
    for (std::size_t d = 0; d < Spatial; ++d) {
        out_extent[d] = target.extent(leading + d);
        ratio[d] = source.extent(leading + d) / out_extent[d];
        out_count *= out_extent[d];
        box_count *= ratio[d];
    }
    for (std::ptrdiff_t item = first; item < last; ++item) {
        const std::ptrdiff_t chunk = item % chunks;
        const std::ptrdiff_t c_first = chunk * derived_line_chunk;
        const std::ptrdiff_t count = line_length - c_first < derived_line_chunk ? line_length - c_first : derived_line_chunk;
        // The item's offsets in each view: its position in the outer leading
        // dims, then the chunk's first element along the innermost.
        std::ptrdiff_t in_at = c_first * in_step, source_at = c_first * source_step, target_at = c_first * target_step;
        std::ptrdiff_t index_at = c_first * index_step, target_index_at = c_first * target_index_step;
        if constexpr (leading > 1) {
            std::ptrdiff_t rest = item / chunks;
            for (std::size_t d = leading - 1; d-- > 0;) {
                const std::ptrdiff_t position = rest % target.extent(d);
                rest /= target.extent(d);
                in_at += position * input.stride(d);
                source_at += position * source.stride(d);
                target_at += position * target.stride(d);
                if (with_indices) {
                    index_at += position * source_indices->stride(d);
                    target_index_at += position * target_indices->stride(d);
                }
            }
        }
        // Lines of the chunk, staged so that the comparisons run over
        // contiguous elements whatever the views' strides.
        Out held[derived_line_chunk], finer[derived_line_chunk];
        I held_index[derived_line_chunk], finer_index[derived_line_chunk];
        std::array<std::ptrdiff_t, Spatial> position{};
        for (std::ptrdiff_t visited = 0; visited < out_count; ++visited) {
            // The finer outputs of this position's window, in scan order: the
            // first is held, the others compared with it.
            std::array<std::ptrdiff_t, Spatial> in_box{};
            bool ambiguous = false;
            for (std::ptrdiff_t taken = 0; taken < box_count; ++taken) {
                const bool first_in_box = taken == 0;
                const Out* from = source.data() + source_at;
                const I* from_index = with_indices ? source_indices->data() + index_at : nullptr;
                for (std::size_t d = 0; d < Spatial; ++d) {
                    const std::ptrdiff_t at = position[d] * ratio[d] + in_box[d];
                    from += at * source.stride(leading + d);
                    if (with_indices) from_index += at * source_indices->stride(leading + d);
                }
                Out* values = first_in_box ? held : finer;
                I* indices = first_in_box ? held_index : finer_index;
                for (std::ptrdiff_t c = 0; c < count; ++c) values[c] = from[c * source_step];
                if (with_indices) {
                    for (std::ptrdiff_t c = 0; c < count; ++c) indices[c] = from_index[c * index_step];
                }
                if (!first_in_box) ambiguous |= compare_finer(held, held_index, finer, with_indices ? finer_index : nullptr, count);
                next_position(in_box, ratio, Spatial, Spatial, [](std::size_t, std::ptrdiff_t) {});
            }
            Out* to = target.data() + target_at;
            for (std::size_t d = 0; d < Spatial; ++d) to += position[d] * target.stride(leading + d);
            if (ambiguous) {
                // Equal values of different bits, or NaNs: the outputs of
                // this position in the chunk are pooled from the input.
                for (std::ptrdiff_t c = 0; c < count; ++c) {
                    held[c] = max_of_input_window<Spatial, T, Out>(input, in_at + c * in_step, position, out_extent);
                }
            }
            for (std::ptrdiff_t c = 0; c < count; ++c) to[c * target_step] = held[c];
            if (with_indices) {
                I* to_index = target_indices->data() + target_index_at;
                for (std::size_t d = 0; d < Spatial; ++d) to_index += position[d] * target_indices->stride(leading + d);
                for (std::ptrdiff_t c = 0; c < count; ++c) to_index[c * target_index_step] = held_index[c];
            }
            next_position(position, out_extent, Spatial, Spatial, [](std::size_t, std::ptrdiff_t) {});
        }
    }
}

}  // namespace detail
}  // namespace apool
