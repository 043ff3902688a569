// apool: whether two views share memory, decided on their elements rather
// than on the byte ranges they span. Two written views may interleave without
// sharing an element: the average and max halves of one [N, 2C] buffer
// (timm's catavgmax) do.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "validate.hpp"

namespace apool {
namespace detail {

/// The byte offsets of a view's elements from its lowest byte: its dims of
/// extent above 1 with their strides in bytes, by magnitude.
struct byte_layout {
    static constexpr std::size_t most_dims = 16;
    std::size_t dims = 0;
    std::ptrdiff_t extents[most_dims] = {};
    std::ptrdiff_t strides[most_dims] = {};  // bytes, positive, descending
};

/// The layout of a view with at most byte_layout::most_dims dims; false where
/// it has more.
inline bool layout_in_bytes(const view_info& view, byte_layout& layout) noexcept {
    if (view.rank > byte_layout::most_dims) return false;
    for (std::size_t dim = 0; dim < view.rank; ++dim) {
        if (view.extents[dim] <= 1) continue;
        const std::ptrdiff_t stride = view.strides[dim] < 0 ? -view.strides[dim] : view.strides[dim];
        // Insertion by descending stride: the rank is tiny.
        std::size_t at = layout.dims++;
        for (; at > 0 && layout.strides[at - 1] < stride * static_cast<std::ptrdiff_t>(view.element_size); --at) {
            layout.strides[at] = layout.strides[at - 1];
            layout.extents[at] = layout.extents[at - 1];
        }
        layout.strides[at] = stride * static_cast<std::ptrdiff_t>(view.element_size);
        layout.extents[at] = view.extents[dim];
    }
    return true;
}

/// Whether a view whose elements never share memory (a view that passed
/// overlaps_itself, so that each stride exceeds the reach of the smaller ones
/// plus an element) has an element that overlaps bytes [first, last] of its
/// span, the offsets counted from its lowest byte. Its elements lie in the
/// lexicographic order of the dims by descending stride, so the largest
/// offset at most `last` is found one dim at a time.
inline bool nested_layout_reaches(const byte_layout& layout, std::size_t element_size, std::ptrdiff_t first,
                                  std::ptrdiff_t last) noexcept {
    if (last < 0) return false;
    std::ptrdiff_t rest = last;
    for (std::size_t d = 0; d < layout.dims; ++d) {
        std::ptrdiff_t step = rest / layout.strides[d];
        if (step > layout.extents[d] - 1) step = layout.extents[d] - 1;
        rest -= step * layout.strides[d];
    }
    const std::ptrdiff_t element_first = last - rest;
    return element_first + static_cast<std::ptrdiff_t>(element_size) > first;
}

/// Whether an element of `walked` shares a byte with an element of `nested`
/// (a view whose elements never share memory), walking `walked`'s elements
/// in row-major order until one does.
inline bool walk_shares_elements(const view_info& walked, const view_extent_check& walked_measure, const view_info& nested,
                                 const view_extent_check& nested_measure) noexcept {
    byte_layout layout;
    if (walked.rank > byte_layout::most_dims || !layout_in_bytes(nested, layout)) return true;
    const std::ptrdiff_t element_size = static_cast<std::ptrdiff_t>(walked.element_size);
    const std::intptr_t nested_lowest =
        reinterpret_cast<std::intptr_t>(nested.data) + nested_measure.lowest_offset * static_cast<std::ptrdiff_t>(nested.element_size);
    std::intptr_t address = reinterpret_cast<std::intptr_t>(walked.data);
    std::ptrdiff_t position[byte_layout::most_dims] = {};
    for (std::ptrdiff_t visited = 0; visited < walked_measure.count; ++visited) {
        const std::ptrdiff_t first = address - nested_lowest;
        if (nested_layout_reaches(layout, nested.element_size, first, first + element_size - 1)) return true;
        for (std::size_t dim = walked.rank; dim-- > 0;) {
            if (++position[dim] < walked.extents[dim]) {
                address += walked.strides[dim] * element_size;
                break;
            }
            address -= (walked.extents[dim] - 1) * walked.strides[dim] * element_size;
            position[dim] = 0;
        }
    }
    return false;
}

/// True when an element of `a` and an element of `b` share a byte; both views
/// measured (validate.hpp) and written (their own elements never share
/// memory). Exact, and without a walk where the byte ranges are apart or
/// where both views have the same extents, strides and element size and
/// their strides' arithmetic shows them apart; else the smaller view's
/// elements are walked, each located in the other's layout.
inline bool views_share_elements(const view_info& a, const view_extent_check& a_measure, const view_info& b,
                                 const view_extent_check& b_measure) noexcept {
    if (!bytes_of(a, a_measure).overlaps(bytes_of(b, b_measure))) return false;
    const std::ptrdiff_t distance = reinterpret_cast<std::intptr_t>(b.data) - reinterpret_cast<std::intptr_t>(a.data);
    const std::ptrdiff_t element_size = static_cast<std::ptrdiff_t>(a.element_size);
    const bool same_layout = a.rank == b.rank && a.element_size == b.element_size && a.rank < byte_layout::most_dims &&
                             std::equal(a.extents, a.extents + a.rank, b.extents) && std::equal(a.strides, a.strides + a.rank, b.strides);
    if (same_layout && distance % element_size == 0) {
        // b is a moved by `distance` elements: a with one more dim, of
        // extent 2 and that stride, does not overlap itself only where they
        // share nothing (overlaps_itself may report an overlap it cannot
        // rule out; the walk below then decides).
        std::ptrdiff_t extents[byte_layout::most_dims];
        std::ptrdiff_t strides[byte_layout::most_dims];
        std::copy(a.extents, a.extents + a.rank, extents);
        std::copy(a.strides, a.strides + a.rank, strides);
        extents[a.rank] = 2;
        strides[a.rank] = distance / element_size;
        if (!overlaps_itself(view_info{a.data, a.element_size, a.rank + 1, extents, strides})) return false;
    }
    return a_measure.count <= b_measure.count ? walk_shares_elements(a, a_measure, b, b_measure)
                                              : walk_shares_elements(b, b_measure, a, a_measure);
}

}  // namespace detail
}  // namespace apool
