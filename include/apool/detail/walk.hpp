// apool: the window-walking skeleton shared by every kernel.
//
// A problem is split into leading dims (independent planes) and spatial dims.
// `for_each_plane` visits a numbered range of planes; `for_each_window` visits the output positions
// of a plane with their windows; `walk_box` visits the input elements of a
// window in row-major scan order. All loops are unrolled over the spatial rank
// at compile time.
#pragma once

#include <array>
#include <cstddef>

#include "../config.hpp"
#include "../window.hpp"

namespace apool {
namespace detail {

/// The spatial part of a pooling problem, in elements.
template <std::size_t Spatial>
struct spatial_layout {
    std::array<std::ptrdiff_t, Spatial> in_extent{};
    std::array<std::ptrdiff_t, Spatial> out_extent{};
    std::array<std::ptrdiff_t, Spatial> in_stride{};
    std::array<std::ptrdiff_t, Spatial> out_stride{};
    std::array<std::ptrdiff_t, Spatial> index_stride{};
    std::array<std::ptrdiff_t, Spatial> flat_stride{};  // row-major multipliers of in_extent: the index a user sees
    // The part of the plane one work item owns, per dim: the outputs it
    // computes (forward) and the "in" positions it writes (backward).
    // describe_problem sets the whole plane; a plan's split narrows them.
    std::array<window, Spatial> out_range{};
    std::array<window, Spatial> in_range{};

    std::ptrdiff_t plane_size() const noexcept { return flat_stride[0] * in_extent[0]; }
};

/// Leading dims: each multi-index is one plane with its own base offsets.
template <std::size_t Leading>
struct leading_layout {
    std::array<std::ptrdiff_t, Leading + 1> extent{};  // +1: never a zero-sized array
    std::array<std::ptrdiff_t, Leading + 1> in_stride{};
    std::array<std::ptrdiff_t, Leading + 1> out_stride{};
    std::array<std::ptrdiff_t, Leading + 1> index_stride{};
};

struct plane_offsets {
    std::ptrdiff_t in = 0;
    std::ptrdiff_t out = 0;
    std::ptrdiff_t index = 0;
};

/// Steps `position`, a multi-index over the first `dims` entries of
/// `extent` (dim `skip` left out: pass `dims` to leave out none), to the next
/// one in row-major order, calling move(dim, steps) for each dim it moves by
/// `steps` positions (1 on, or back to 0), so that the caller's offsets follow
/// the position. The one odometer of apool's walks.
template <std::size_t N, class Move>
APOOL_ALWAYS_INLINE void next_position(std::array<std::ptrdiff_t, N>& position, const std::array<std::ptrdiff_t, N>& extent,
                                       std::size_t dims, std::size_t skip, Move&& move) noexcept {
    for (std::size_t dim = dims; dim-- > 0;) {
        if (dim == skip) continue;
        if (++position[dim] < extent[dim]) {
            move(dim, std::ptrdiff_t(1));
            return;
        }
        move(dim, 1 - extent[dim]);
        position[dim] = 0;
    }
}

/// The planes of a call are numbered in row-major order of their leading
/// multi-index, leaving out dim `skip` (pass Leading to leave out none): the
/// left-out dim is the one a kernel vectorizes over inside one plane. These
/// numbers are the work items a kernel runs over any sub-range of.
template <std::size_t Leading>
std::ptrdiff_t count_planes(const leading_layout<Leading>& layout, std::size_t skip) noexcept {
    std::ptrdiff_t total = 1;
    for (std::size_t dim = 0; dim < Leading; ++dim) {
        if (dim != skip) total *= layout.extent[dim];
    }
    return total;
}

/// The offsets of plane number `plane` (see count_planes), and its leading
/// multi-index in `counter`.
template <std::size_t Leading>
plane_offsets offsets_of_plane(const leading_layout<Leading>& layout, std::size_t skip, std::ptrdiff_t plane,
                               std::array<std::ptrdiff_t, Leading + 1>& counter) noexcept {
    plane_offsets offsets;
    std::ptrdiff_t rest = plane;
    for (std::size_t dim = Leading; dim-- > 0;) {
        if (dim == skip) continue;
        counter[dim] = rest % layout.extent[dim];
        rest /= layout.extent[dim];
        offsets.in += counter[dim] * layout.in_stride[dim];
        offsets.out += counter[dim] * layout.out_stride[dim];
        offsets.index += counter[dim] * layout.index_stride[dim];
    }
    return offsets;
}

/// Calls f(plane_offsets) for the planes numbered `first` to `last` - 1 (see
/// count_planes), in that order. The first plane's offsets are computed from
/// its number; each next one's by one step of an odometer.
template <std::size_t Leading, class F>
void for_each_plane(const leading_layout<Leading>& layout, std::size_t skip, std::ptrdiff_t first, std::ptrdiff_t last,
                    F&& f) noexcept {
    std::array<std::ptrdiff_t, Leading + 1> counter{};
    plane_offsets offsets = offsets_of_plane(layout, skip, first, counter);
    auto move = [&](std::size_t dim, std::ptrdiff_t steps) {
        offsets.in += steps * layout.in_stride[dim];
        offsets.out += steps * layout.out_stride[dim];
        offsets.index += steps * layout.index_stride[dim];
    };
    for (std::ptrdiff_t plane = first; plane < last; ++plane) {
        f(static_cast<const plane_offsets&>(offsets));
        next_position(counter, layout.extent, Leading, skip, move);
    }
}

/// Calls f(first_plane, count, step) for the planes numbered `first` to
/// `last` - 1 (see count_planes), in that order, a run at a time: a run's
/// planes differ in the innermost leading dim visited alone, each `step` (that
/// dim's strides) after the one before. A kernel walks a run by pointer
/// increments, without an odometer step per plane.
template <std::size_t Leading, class F>
void for_each_plane_run(const leading_layout<Leading>& layout, std::size_t skip, std::ptrdiff_t first, std::ptrdiff_t last,
                        F&& f) noexcept {
    std::size_t inner = Leading;
    for (std::size_t dim = Leading; dim-- > 0;) {
        if (dim != skip) {
            inner = dim;
            break;
        }
    }
    const std::ptrdiff_t along = inner < Leading ? layout.extent[inner] : 1;
    const plane_offsets step = inner < Leading ? plane_offsets{layout.in_stride[inner], layout.out_stride[inner], layout.index_stride[inner]}
                                               : plane_offsets{};
    std::array<std::ptrdiff_t, Leading + 1> counter{};
    for (std::ptrdiff_t plane = first; plane < last;) {
        const plane_offsets at = offsets_of_plane(layout, skip, plane, counter);
        const std::ptrdiff_t rest_of_run = along - plane % along;
        const std::ptrdiff_t count = rest_of_run < last - plane ? rest_of_run : last - plane;
        f(at, count, step);
        plane += count;
    }
}

/// Calls f(planes, count) for the planes numbered `first` to `last` - 1 (see
/// count_planes) in batches of Width: the offsets of Width consecutive
/// planes, fewer in the last batch.
template <std::ptrdiff_t Width, std::size_t Leading, class F>
void for_each_plane_batch(const leading_layout<Leading>& layout, std::size_t skip, std::ptrdiff_t first, std::ptrdiff_t last,
                          F&& f) noexcept {
    plane_offsets batch[Width];
    std::ptrdiff_t batched = 0;
    for_each_plane(layout, skip, first, last, [&](const plane_offsets& at) {
        batch[batched++] = at;
        if (batched == Width) {
            f(static_cast<const plane_offsets*>(batch), batched);
            batched = 0;
        }
    });
    if (batched > 0) f(static_cast<const plane_offsets*>(batch), batched);
}

/// Calls f(planes, count) for the groups of planes numbered `first` to
/// `last` - 1: group g holds the offsets of planes g * Width to g * Width +
/// Width - 1 (fewer in the last group of the call).
template <std::ptrdiff_t Width, std::size_t Leading, class F>
void for_each_plane_group(const leading_layout<Leading>& layout, std::size_t skip, std::ptrdiff_t first, std::ptrdiff_t last,
                          F&& f) noexcept {
    const std::ptrdiff_t total = count_planes(layout, skip);
    const std::ptrdiff_t end = last * Width < total ? last * Width : total;
    for_each_plane_batch<Width>(layout, skip, first * Width, end, f);
}

/// A window in each of the first Dims spatial dims.
template <std::size_t Dims>
using window_box = std::array<window, (Dims > 0 ? Dims : 1)>;

/// An output's window box; with WithFreshStart, also per dim the first
/// position that no earlier output along that dim covers: fresh_start[d] is
/// the end of the previous window (0 for the first). An element is reached for
/// the first time by this output exactly when it is at or past fresh_start in
/// every dim (where a gradient's first share is written rather than added).
/// The forward kernels leave it out: a store per dim and output they never read.
template <std::size_t Dims, bool WithFreshStart = false>
struct output_window : window_box<Dims> {};

template <std::size_t Dims>
struct output_window<Dims, true> : window_box<Dims> {
    std::array<std::ptrdiff_t, (Dims > 0 ? Dims : 1)> fresh_start{};
};

/// The one window walker of the forward and backward kernels: calls
/// f(window, out_offset, index_offset) for each output position of the first
/// Dims spatial dims within layout.out_range, in row-major order, with
/// window[d] (and window.fresh_start[d]) set for those dims.
template <std::size_t Dims, std::size_t Dim = 0, std::size_t Spatial, std::size_t WindowDims, bool WithFreshStart, class F>
void for_each_window(const spatial_layout<Spatial>& layout, output_window<WindowDims, WithFreshStart>& current,
                     std::ptrdiff_t out_offset, std::ptrdiff_t index_offset, F& f) noexcept {
    static_assert(Dims <= WindowDims || Dims == 0, "for_each_window: the window has fewer dims than asked for");
    if constexpr (Dim == Dims) {
        f(static_cast<const output_window<WindowDims, WithFreshStart>&>(current), out_offset, index_offset);
    } else {
        const window outputs = layout.out_range[Dim];
        auto windows = adaptive_windows(layout.in_extent[Dim], layout.out_extent[Dim]).begin_at(outputs.start);
        std::ptrdiff_t previous_end = outputs.start > 0 ? window_end(outputs.start - 1, layout.in_extent[Dim], layout.out_extent[Dim]) : 0;
        for (std::ptrdiff_t o = outputs.start; o < outputs.end; ++o, ++windows) {
            current[Dim] = *windows;
            if constexpr (WithFreshStart) {
                current.fresh_start[Dim] = previous_end;
                previous_end = current[Dim].end;
            }
            for_each_window<Dims, Dim + 1>(layout, current, out_offset + o * layout.out_stride[Dim],
                                           index_offset + o * layout.index_stride[Dim], f);
        }
    }
}

/// Calls f(in_offset, flat_index) for every element of the box over the first
/// Dims spatial dims, in row-major scan order. The box may have more dims than
/// Dims (the rest are left to the caller).
template <std::size_t Dims, std::size_t Dim = 0, std::size_t Spatial, std::size_t BoxDims, class F>
APOOL_ALWAYS_INLINE void walk_box(const spatial_layout<Spatial>& layout, const std::array<window, BoxDims>& box, std::ptrdiff_t in_offset,
              std::ptrdiff_t flat_index, F& f) noexcept {
    static_assert(Dims <= BoxDims || Dims == 0, "walk_box: the box has fewer dims than asked for");
    if constexpr (Dim == Dims) {
        f(in_offset, flat_index);
    } else {
        // Running offsets, not i * stride: the walk is the kernels' innermost
        // loop, and the compiler does not always turn the products into adds.
        const std::ptrdiff_t stride = layout.in_stride[Dim];
        const std::ptrdiff_t flat_stride = layout.flat_stride[Dim];
        std::ptrdiff_t offset = in_offset + box[Dim].start * stride;
        std::ptrdiff_t flat = flat_index + box[Dim].start * flat_stride;
        for (std::ptrdiff_t i = box[Dim].start; i < box[Dim].end; ++i, offset += stride, flat += flat_stride) {
            walk_box<Dims, Dim + 1>(layout, box, offset, flat, f);
        }
    }
}

/// Elements from a place in the box to the same place one window further
/// along dim Dims - 1 (the window's size there times that dim's stride): about
/// where the next output along that dim reads, as a distance to prefetch
/// ahead. 0 when Dims is 0.
template <std::size_t Dims, std::size_t Spatial, std::size_t BoxDims>
std::ptrdiff_t next_window_ahead(const spatial_layout<Spatial>& layout, const std::array<window, BoxDims>& box) noexcept {
    if constexpr (Dims == 0) {
        return 0;
    } else {
        return layout.in_stride[Dims - 1] * box[Dims - 1].size();
    }
}

/// Number of elements in the box.
template <std::size_t Dims>
std::ptrdiff_t box_count(const window_box<Dims>& box) noexcept {
    std::ptrdiff_t count = 1;
    for (std::size_t d = 0; d < Dims; ++d) count *= box[d].size();
    return count;
}

/// Flat index of the box's first element (its row start when Dims < Spatial).
template <std::size_t Dims, std::size_t Spatial>
std::ptrdiff_t box_first_index(const spatial_layout<Spatial>& layout, const window_box<Dims>& box) noexcept {
    std::ptrdiff_t flat = 0;
    for (std::size_t d = 0; d < Dims; ++d) flat += box[d].start * layout.flat_stride[d];
    return flat;
}

}  // namespace detail
}  // namespace apool
