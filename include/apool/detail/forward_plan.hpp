// apool: the plan of a forward call: which kernel runs, with which parameters,
// over which work items. choose_forward_kernel is the table of apool's forward
// kernels: each one's name, what it needs to be correct (`legal`), and when it
// is the one chosen (the first legal kernel whose condition holds, in the order
// written); element types other than float and double into their own type
// take the staged or the generic kernel, and the byte average of interleaved
// rows the byte_rows kernel (plan_forward). run_forward
// (forward_run.hpp) runs a plan over any sub-range of its work items.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>

#include "../simd.hpp"
#include "../strided_view.hpp"
#include "forward_byte_rows.hpp"
#include "forward_channels_last.hpp"
#include "forward_kernels.hpp"
#include "forward_narrow.hpp"
#include "forward_plane_run.hpp"
#include "forward_rows.hpp"
#include "forward_staged.hpp"
#include "forward_tiles.hpp"
#include "problem.hpp"
#include "widened_reductions.hpp"
#include "validate.hpp"
#include "walk.hpp"
#include "work_split.hpp"

namespace apool {
namespace detail {

enum class forward_kernel {
    none,                ///< nothing to compute: the output is empty (or a forced kernel is not legal)
    automatic,           ///< for plan_forward's `wanted`: let the plan choose
    plane_run,           ///< global average or max of small dense planes, a vector of planes at a time
    narrow_rows,         ///< rows that fit in one vector, windows along a row by lane permutes
    tiles,               ///< a vector of small dense planes transposed into a tile, one plane per lane
    span,                ///< global pooling of a dense plane: one contiguous reduction per plane
    rows,                ///< contiguous rows reduced into a row buffer with vectors, then each window's slice
    interleaved_rows,    ///< rows of W * C values (channels-last, fewer channels than a vector): the rows kernel, C channels per position
    channels_last_sums,  ///< average only: channels_last, with running sums in memory for windows of many channels
    channels_last,       ///< a contiguous leading dim: vectors across it, windows walked once per register block
    staged,              ///< 16-bit floats and bytes: groups of small planes converted to float and pooled by float's kernels
    staged_rows,         ///< 16-bit floats and bytes: a group of planes' window rows under one output row, through float's kernels
    byte_rows,           ///< average of bytes only: rows of W * C interleaved bytes, window rows summed in 16-bit lanes, exact division
    generic,             ///< any strides, one element at a time
};

/// The kernel's name as the enum spells it.
constexpr const char* kernel_name(forward_kernel kernel) noexcept {
    switch (kernel) {
        case forward_kernel::none: return "none";
        case forward_kernel::automatic: return "automatic";
        case forward_kernel::plane_run: return "plane_run";
        case forward_kernel::narrow_rows: return "narrow_rows";
        case forward_kernel::tiles: return "tiles";
        case forward_kernel::span: return "span";
        case forward_kernel::rows: return "rows";
        case forward_kernel::interleaved_rows: return "interleaved_rows";
        case forward_kernel::channels_last_sums: return "channels_last_sums";
        case forward_kernel::channels_last: return "channels_last";
        case forward_kernel::staged: return "staged";
        case forward_kernel::staged_rows: return "staged_rows";
        case forward_kernel::byte_rows: return "byte_rows";
        case forward_kernel::generic: return "generic";
    }
    return "?";
}

/// Which kernel, its parameters, and its work items: planes, groups of
/// planes (tiles) or runs of planes along vector_dim (plane_run).
template <std::size_t Spatial, std::size_t Rank>
struct forward_plan : planned_work<forward_kernel, Spatial, Rank> {
    bool dense_outputs = false;                ///< tiles: outputs (and indices) are written back through a tile
    std::ptrdiff_t last_whole_vector = 0;      ///< narrow_rows: the last input offset a whole vector is read from
    std::ptrdiff_t sums_in_memory_from = 0;    ///< channels_last_sums: window sizes (in positions) whose sums live in memory
    std::ptrdiff_t staged_columns = 0;         ///< staged_rows: outputs of a row per stage (whole periods of its windows)
    std::ptrdiff_t uniform_row_window = 0;     ///< rows, interleaved_rows: the positions of every window along the row where all
                                               ///< are equal and its outputs are reduced a vector at a time by lane permutes; else 0
};

/// Whether the vector kernels take a Reduction's element and result types
/// (float or double into its own type); the generic kernel takes every pair.
template <class Reduction>
constexpr bool vector_reduction = has_vector_kernels<typename Reduction::element, typename Reduction::result>;

/// The lanes of the vectors a Reduction's kernels run on: float's for the
/// 16-bit floats, which widen as they load; 1 where the vector kernels run
/// only on staged float.
template <class Reduction>
constexpr std::ptrdiff_t reduction_lanes() noexcept {
    if constexpr (vector_reduction<Reduction>) {
        return simd::lanes<typename Reduction::element>;
    } else if constexpr (has_float_lanes<Reduction>) {
        return simd::lanes<float>;
    } else {
        return 1;
    }
}

/// The plane_run kernel's dim: runs of planes go along the longest leading
/// dim (the last dim where it is among the longest, else the first of them);
/// `Leading` where there is none.
template <std::size_t Leading>
std::size_t longest_leading_dim(const leading_layout<Leading>& planes) noexcept {
    if (Leading == 0) return Leading;
    std::size_t run_dim = Leading - 1;
    for (std::size_t d = 0; d < Leading; ++d) {
        if (planes.extent[d] > planes.extent[run_dim]) run_dim = d;
    }
    return run_dim;
}

/// interleaved_rows' window along the row where every window there has it
/// (In % Out == 0) and fits in the row buffer: each output's entries then lie
/// at the same place in its group, so fixed lane permutes of T gather them.
/// 0 otherwise.
template <class T, std::size_t Spatial>
std::ptrdiff_t uniform_row_window(const spatial_layout<Spatial>& spatial, std::ptrdiff_t channels) noexcept {
    const std::ptrdiff_t in_row = spatial.in_extent[Spatial - 1];
    const std::ptrdiff_t out_row = spatial.out_extent[Spatial - 1];
    const bool uniform = simd::has_lane_permute<T> && in_row % out_row == 0 && in_row / out_row <= APOOL_ROW_BUFFER_ELEMENTS / channels;
    return uniform ? in_row / out_row : 0;
}

/// The rows kernel's window along the row where every window there has it and
/// its groups of outputs by lane permutes cost less than each output's own
/// one-vector reduction: a group of lanes<T> lanes holds about 2 * lanes /
/// window outputs and permutes each position of their windows, about
/// window^2 / (2 * lanes) permutes an output, where an output's own reduction
/// takes log2(lanes) shuffle steps; both cost about the same where window^2
/// is lanes * log2(lanes). 0 otherwise.
template <class T, std::size_t Spatial>
std::ptrdiff_t uniform_rows_window(const spatial_layout<Spatial>& spatial) noexcept {
    constexpr std::ptrdiff_t lanes = simd::lanes<T>;
    std::ptrdiff_t log2_lanes = 0;
    while ((std::ptrdiff_t(2) << log2_lanes) <= lanes) ++log2_lanes;
    const std::ptrdiff_t window = uniform_row_window<T>(spatial, 1);
    return window * window < lanes * log2_lanes ? window : 0;
}

/// Chooses the kernel of a problem whose element types the vector kernels take.
template <class Reduction, std::size_t Spatial, class T, std::size_t Rank>
forward_kernel choose_forward_kernel(forward_plan<Spatial, Rank>& plan, const strided_view<const T, Rank>& input, bool with_index,
                                     forward_kernel wanted) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    constexpr bool plain_average = is_average<Reduction>;  // the average-only kernels are legal
    const auto& problem = plan.problem;
    const auto& spatial = problem.spatial;
    const std::ptrdiff_t plane_size = spatial.plane_size();
    // The plane runs' max carries positions as T.
    const bool plain_maximum = std::is_same<Reduction, maximum<T>>::value && plane_size <= maximum<T>::exact_positions;
    const std::ptrdiff_t planes = problem.plane_count();
    const std::size_t channel_dim = problem.contiguous_leading_dim();
    const std::ptrdiff_t channels = channel_dim < leading ? problem.planes.extent[channel_dim] : 0;
    const bool global = problem.out_plane_size() == 1;
    const bool one_span = problem.plane_is_one_span();
    // The vector kernels carry a max's flat index in Reduction::index_lane.
    const bool indices_fit =
        !Reduction::tracks_index || plane_size - 1 <= static_cast<std::ptrdiff_t>(std::numeric_limits<typename Reduction::index_lane>::max());
    const bool narrow_rows_read = simd::has_lane_permute<T> && indices_fit && narrow_rows_suit<T>(spatial) &&
                                  [&] {
                                      const view_extent_check reach = measure(input);
                                      plan.last_whole_vector = reach.highest_offset + 1 - width;
                                      return reach.highest_offset - reach.lowest_offset + 1 >= 2 * width;
                                  }();
    const bool tile_fits = problem.plane_is_dense() && tile_holds<T>(plane_size);
    const bool narrow_rows_small_windows = narrow_rows_read && narrow_rows_windows_small<T>(spatial);

    // clang-format off
    const kernel_choice<forward_kernel> table[] = {
        // From 16 vectors a plane the horizontal sum or max is a small part of the work.
        {forward_kernel::plane_run, simd::has_lane_permute<T> && (plain_average || plain_maximum) && global && one_span && plane_size >= width,
                                    plane_size < 16 * width},
        // A vector of small dense planes or more takes the tiles, whose walk
        // of each window with whole vectors costs less than the narrow rows'
        // merge of each window's columns by lane permutes, for the max and
        // for the average of windows of more than 3 columns or rows; for
        // smaller ones the transposes in and out cost the tiles more than the
        // average's permutes cost the narrow rows. Global pooling of a dense
        // plane is one contiguous reduction, which the span does faster than
        // a transpose: the average always, the max from a whole vector a
        // plane (below that its span is a scalar loop).
        {forward_kernel::tiles, tile_fits && indices_fit,
                                planes >= width && !(plain_average && (global || narrow_rows_small_windows)) &&
                                !(Reduction::tracks_index && one_span && plane_size >= width)},
        // The average of small windows, or of fewer or sparser planes.
        {forward_kernel::narrow_rows, narrow_rows_read,
                                      plain_average && !(global && one_span)},
        {forward_kernel::span, one_span,
                               problem.rows_suit(width)},
        {forward_kernel::rows, indices_fit && spatial.in_stride[Spatial - 1] == 1,
                               problem.rows_suit(width)},
        {forward_kernel::interleaved_rows, indices_fit && problem.interleaved_channels(width) > 0,
                                           true},
        // Running sums in memory pay where a register block's walk would read a
        // window of many channels from beyond L2 once per block.
        {forward_kernel::channels_last_sums, plain_average && channels > 0,
                                             channels >= width && channels > 4 * width},
        {forward_kernel::channels_last, indices_fit && channels > 0,
                                        channels >= width},
        {forward_kernel::generic, true,
                                  true},
    };
    // clang-format on
    const forward_kernel kernel = take_kernel(table, wanted);

    switch (kernel) {
        case forward_kernel::plane_run:
            plan.vector_dim = longest_leading_dim(problem.planes);
            break;
        case forward_kernel::tiles: {
            const std::ptrdiff_t out_plane_size = problem.out_plane_size();
            plan.planes_per_item = width;
            plan.dense_outputs = problem.outputs_are_dense(Reduction::tracks_index && with_index) && out_plane_size >= width &&
                                 out_plane_size <= tile_output_capacity<T>();
            break;
        }
        case forward_kernel::channels_last_sums:
            plan.sums_in_memory_from =
                static_cast<std::ptrdiff_t>((running_sums_in_memory_from_bytes + channels * sizeof(T) - 1) / (channels * sizeof(T)));
            plan.vector_dim = channel_dim;
            break;
        case forward_kernel::rows:
            plan.uniform_row_window = uniform_rows_window<T>(spatial);
            break;
        case forward_kernel::interleaved_rows: {
            plan.vector_dim = channel_dim;
            plan.uniform_row_window = uniform_row_window<T>(spatial, channels);
            break;
        }
        case forward_kernel::channels_last:
            plan.vector_dim = channel_dim;
            break;
        default:
            break;
    }
    return kernel;
}

/// Plans a checked forward call. `with_index`: indices are written. `wanted`
/// forces a kernel (tests); the plan's kernel is then `none` where that kernel
/// is not legal for the problem. `with_executor`: a large call is split into
/// tasks (see split_work).
template <class Reduction, std::size_t Spatial, class T, std::size_t Rank>
forward_plan<Spatial, Rank> plan_forward(const strided_view<const T, Rank>& input,
                                         const strided_view<typename Reduction::result, Rank>& output,
                                         const std::array<std::ptrdiff_t, Rank>& index_strides, bool with_index,
                                         forward_kernel wanted = forward_kernel::automatic, bool with_executor = false) noexcept {
    constexpr std::size_t leading = Rank - Spatial;
    constexpr std::ptrdiff_t width = reduction_lanes<Reduction>();
    forward_plan<Spatial, Rank> plan;
    if (output.size() == 0) return plan;
    plan.problem = describe_problem<Spatial>(input, output, index_strides);
    const auto& problem = plan.problem;
    const auto& spatial = problem.spatial;
    const std::ptrdiff_t plane_size = spatial.plane_size();
    const std::ptrdiff_t planes = problem.plane_count();
    if constexpr (vector_reduction<Reduction>) {
        plan.kernel = choose_forward_kernel<Reduction>(plan, input, with_index, wanted);
    } else {
        // The other element types: the byte average of interleaved rows in
        // byte_rows; 16-bit floats and bytes widen to float as they load in
        // the global kernels (plane_run, span), the tiles of small dense
        // planes, contiguous rows (rows, interleaved_rows without its lane
        // permutes) and channels-last memory (channels_last), where float's
        // plan would take them; otherwise they
        // go through float's kernels where float holds the result (not into
        // double), whole planes where the stage holds them, else the rows
        // under each output row; the rest one element at a time.
        constexpr bool through_float = !std::is_same<typename Reduction::result, double>::value;
        const std::ptrdiff_t group = staged_group(plane_size, problem.out_plane_size());
        const row_pieces pieces = staged_row_pieces(spatial, planes);
        // Channels-last memory stages a run of channels at every position.
        const std::size_t channel_dim = problem.contiguous_leading_dim();
        const bool channels_last = channel_dim < leading;
        // The channels interleaved at each position (1 without channels-last
        // memory). The byte average of rows of a few interleaved channels (one
        // channel: plain rows, where the planes are too large to stage whole).
        const std::ptrdiff_t channels = channels_last ? problem.planes.extent[channel_dim] : 1;
        const bool byte_rows_legal = is_byte_average<Reduction> && byte_rows_suit(spatial, channels);
        // The float_lanes kernels: a max's indices in float's index lanes, a
        // byte average's window sums exact in float.
        const std::ptrdiff_t widest_window =
            widest_window_rows(spatial) * ((spatial.in_extent[Spatial - 1] + spatial.out_extent[Spatial - 1] - 1) / spatial.out_extent[Spatial - 1] + 1);
        const bool float_lanes_fit =
            has_float_lanes<Reduction> &&
            (Reduction::tracks_index ? plane_size - 1 <= std::numeric_limits<simd::lane_integer_t<float>>::max()
                                     : !is_byte_integer<typename Reduction::element> || widest_window <= float_lanes_largest_byte_window);
        const bool global_span = float_lanes_fit && problem.plane_is_one_span();
        const kernel_choice<forward_kernel> table[] = {
            {forward_kernel::byte_rows, byte_rows_legal, channels_last ? channels <= 4 : group == 0},
            // As float's plan has them (choose_forward_kernel).
            {forward_kernel::plane_run, global_span && simd::has_lane_permute<float> && plane_size >= width &&
                                            (!Reduction::tracks_index || plane_size <= maximum<float>::exact_positions),
                                        plane_size < 16 * width},
            {forward_kernel::span, global_span, true},
            {forward_kernel::tiles, float_lanes_fit && problem.plane_is_dense() && tile_holds<float>(plane_size), planes >= width},
            {forward_kernel::rows, float_lanes_fit && spatial.in_stride[Spatial - 1] == 1, problem.rows_suit(width)},
            {forward_kernel::interleaved_rows, float_lanes_fit && problem.interleaved_channels(width) > 0, true},
            {forward_kernel::channels_last, float_lanes_fit && channels_last, channels >= width},
            {forward_kernel::staged, through_float && group > 0, !channels_last},
            {forward_kernel::staged_rows, through_float && pieces.planes > 0, true},
            {forward_kernel::staged, through_float && group > 0, true},
            {forward_kernel::generic, true, true}};
        plan.kernel = take_kernel(table, wanted);
        if (plan.kernel == forward_kernel::staged) plan.planes_per_item = group;
        if (plan.kernel == forward_kernel::tiles) plan.planes_per_item = width;  // outputs written one by one, rounded
        if (plan.kernel == forward_kernel::byte_rows || plan.kernel == forward_kernel::interleaved_rows ||
            plan.kernel == forward_kernel::channels_last) {
            plan.vector_dim = channel_dim;
        }
        if (plan.kernel == forward_kernel::rows) plan.uniform_row_window = uniform_rows_window<float>(spatial);
        if (plan.kernel == forward_kernel::interleaved_rows) plan.uniform_row_window = uniform_row_window<float>(spatial, channels);
        if (plan.kernel == forward_kernel::plane_run) plan.vector_dim = longest_leading_dim(problem.planes);
        if (plan.kernel == forward_kernel::staged_rows) {
            plan.planes_per_item = pieces.planes;
            plan.staged_columns = pieces.columns;
        }
    }
    if (plan.kernel == forward_kernel::none) return plan;

    // What a work item may be cut into, where the planes are too few for the
    // tasks. The channel dim in blocks of whole vectors: each channel's
    // arithmetic is the same in any block. Output parts along a spatial dim,
    // for the kernels that compute each output from its window alone. The
    // rows kernels reduce each output column from a buffer whose chunks start
    // where the item's columns start, and a window of up to a vector is
    // reduced there in one vector: they keep whole rows unless every window
    // is wider than a vector (or the rows interleave channels, or the
    // windows along the row are uniform: each output's entries are reduced
    // on their own, one by one or in its own lanes of a group, the same from
    // any first column). The global kernels and the tiles have nothing to cut.
    const std::ptrdiff_t plane_items = (count_planes(problem.planes, plan.vector_dim) + plan.planes_per_item - 1) / plan.planes_per_item;
    const bool across_channels = plan.vector_dim < leading;
    bool cut_channels = false;
    std::size_t cut_dims = 0;  // spatial dims 0 to cut_dims - 1 may be cut
    switch (plan.kernel) {
        case forward_kernel::plane_run: cut_channels = across_channels; break;
        case forward_kernel::narrow_rows: cut_dims = Spatial - 1; break;
        case forward_kernel::rows:
        case forward_kernel::interleaved_rows:
            cut_dims = plan.kernel == forward_kernel::interleaved_rows || plan.uniform_row_window > 0 ||
                               spatial.in_extent[Spatial - 1] / spatial.out_extent[Spatial - 1] > width
                           ? Spatial
                           : Spatial - 1;
            break;
        case forward_kernel::channels_last_sums:
        case forward_kernel::channels_last: cut_channels = true; cut_dims = Spatial; break;
        case forward_kernel::generic: cut_dims = Spatial; break;
        case forward_kernel::staged_rows: cut_dims = Spatial - 1; break;
        // Each output from its window alone, all of a position's channels together.
        case forward_kernel::byte_rows: cut_dims = Spatial; break;
        default: break;
    }
    std::array<std::ptrdiff_t, 2> cut_extents{};
    for (std::size_t d = 0; d < 2 && d < cut_dims; ++d) cut_extents[d] = spatial.out_extent[d];
    plan.split = split_work(plane_size * planes, plane_items, with_executor, problem.planes.extent[plan.vector_dim], cut_channels, width,
                            cut_extents);
    plan.items = plan.split.items();
    return plan;
}

}  // namespace detail
}  // namespace apool
