// apool: how a plan cuts a call into work items and tasks. An item is a
// plane, a group of planes or a run of planes (as the kernel takes them);
// where a large call has too few of those for the tasks it wants, each is cut
// further into blocks of its channels (the leading dim a kernel vectorizes
// across) and parts of its first two spatial dims. The cut depends on the
// shape only, never on the threads that will run it.
#pragma once

#include <array>
#include <cstddef>

#include "../config.hpp"
#include "../window.hpp"
#include "problem.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Calls on fewer elements than this (input, or grad_input) run as one task
/// on the calling thread (APOOL_PARALLEL_FROM_ELEMENTS); a larger one aims at
/// APOOL_ELEMENTS_PER_TASK elements per task, with enough tasks for 16
/// threads to share evenly and few enough that starting one stays a small
/// part of its work.
constexpr std::ptrdiff_t parallel_from_elements = APOOL_PARALLEL_FROM_ELEMENTS;
constexpr std::ptrdiff_t elements_per_task = APOOL_ELEMENTS_PER_TASK;
constexpr std::ptrdiff_t fewest_tasks = 16;
constexpr std::ptrdiff_t most_tasks = 256;
/// Vectors a block of channels keeps at least: a channels-last kernel reads
/// each window position's block as one run and fills its register blocks from
/// it, and a shorter run costs more per element than another task gains. The
/// rest of the cut goes to spatial parts.
constexpr std::ptrdiff_t fewest_block_vectors = 16;

/// Which part of a plan's work one item is.
struct work_part {
    std::ptrdiff_t plane_item = 0;     ///< the plane, group or run, as the kernel numbers them
    std::ptrdiff_t first_channel = 0;  ///< the first channel of the block (0 when channels are not split)
    std::ptrdiff_t channels = 0;       ///< channels in the block (the whole dim when not split)
    std::array<std::ptrdiff_t, 2> spatial_part{};  ///< which part of spatial dims 0 and 1
};

struct work_split {
    std::ptrdiff_t plane_items = 0;
    std::ptrdiff_t channels = 0;            ///< extent of the channel dim the kernel runs across (0: none)
    std::ptrdiff_t channel_block = 0;       ///< channels per block, a multiple of the vector width
    std::ptrdiff_t channel_blocks = 1;
    std::array<std::ptrdiff_t, 2> spatial_parts{1, 1};
    std::ptrdiff_t tasks = 1;               ///< how many tasks the items are dealt into

    std::ptrdiff_t blocks_per_plane() const noexcept { return channel_blocks * spatial_parts[0] * spatial_parts[1]; }
    std::ptrdiff_t items() const noexcept { return plane_items * blocks_per_plane(); }
    bool cuts_planes() const noexcept { return blocks_per_plane() > 1; }

    work_part part(std::ptrdiff_t item) const noexcept {
        work_part p;
        const std::ptrdiff_t blocks = blocks_per_plane();
        p.plane_item = item / blocks;
        std::ptrdiff_t rest = item % blocks;
        p.spatial_part[1] = rest % spatial_parts[1];
        rest /= spatial_parts[1];
        p.spatial_part[0] = rest % spatial_parts[0];
        const std::ptrdiff_t block = rest / spatial_parts[0];
        p.first_channel = block * channel_block;
        p.channels = channel_blocks > 1 ? (channels - p.first_channel < channel_block ? channels - p.first_channel : channel_block)
                                        : channels;
        return p;
    }
};

/// What a forward or backward plan holds besides its kernel's parameters:
/// which `Kernel` runs, on which problem, over which work items. `items`
/// numbers planes (of count_planes(problem.planes, vector_dim)), groups of
/// `planes_per_item` of them or runs of planes along vector_dim, as the kernel
/// takes them; where `split` cuts those, blocks of one of them.
template <class Kernel, std::size_t Spatial, std::size_t Rank>
struct planned_work {
    Kernel kernel = Kernel::none;
    problem_layout<Spatial, Rank> problem{};
    std::size_t vector_dim = Rank - Spatial;  ///< the leading dim one work item runs across; Rank - Spatial for none
    std::ptrdiff_t items = 0;
    std::ptrdiff_t planes_per_item = 1;
    work_split split{};  ///< the items' blocks and the tasks they are dealt into
};

/// Part `part` of `parts` nearly equal parts of [0, extent).
inline window part_of(std::ptrdiff_t extent, std::ptrdiff_t part, std::ptrdiff_t parts) noexcept {
    return {part * extent / parts, (part + 1) * extent / parts};
}

/// The outputs along one dim whose windows reach into `in` (in_size inputs
/// pooled to out_size): from floor(in.start * out / in_size) to
/// ceil(in.end * out / in_size).
inline window outputs_reaching(window in, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept {
    return {in.start * out_size / in_size, (in.end * out_size + in_size - 1) / in_size};
}

/// The split of a call of `elements` elements into tasks (one unless
/// `with_executor`), and, when its `plane_items` are fewer than the tasks
/// wanted, of its planes into blocks: of its `channels` (the extent of the
/// dim its kernel runs across, 0 for none) in multiples of `vector_lanes`, at
/// least fewest_block_vectors of them, where `cut_channels`, then of spatial
/// dims 0 and 1 into at most `spatial_extents` parts (0 or 1: not to be cut),
/// then, where those are too few, of the channels into shorter blocks.
inline work_split split_work(std::ptrdiff_t elements, std::ptrdiff_t plane_items, bool with_executor, std::ptrdiff_t channels,
                             bool cut_channels, std::ptrdiff_t vector_lanes, std::array<std::ptrdiff_t, 2> spatial_extents) noexcept {
    work_split split;
    split.plane_items = plane_items;
    split.channels = channels;
    split.channel_block = channels;
    if (!with_executor || elements < parallel_from_elements || plane_items == 0) return split;
    std::ptrdiff_t wanted = elements / elements_per_task;
    wanted = wanted < fewest_tasks ? fewest_tasks : (wanted > most_tasks ? most_tasks : wanted);
    std::ptrdiff_t need = (wanted + plane_items - 1) / plane_items;
    const std::ptrdiff_t vectors = (channels + vector_lanes - 1) / vector_lanes;
    auto cut_channels_into = [&](std::ptrdiff_t blocks) {
        split.channel_block = (vectors + blocks - 1) / blocks * vector_lanes;
        split.channel_blocks = (channels + split.channel_block - 1) / split.channel_block;
    };
    const std::ptrdiff_t long_blocks = vectors / fewest_block_vectors;
    if (need > 1 && cut_channels && long_blocks > 1) {
        cut_channels_into(need < long_blocks ? need : long_blocks);
        need = (need + split.channel_blocks - 1) / split.channel_blocks;
    }
    for (std::size_t d = 0; d < 2; ++d) {
        if (need > 1 && spatial_extents[d] > 1) {
            split.spatial_parts[d] = need < spatial_extents[d] ? need : spatial_extents[d];
            need = (need + split.spatial_parts[d] - 1) / split.spatial_parts[d];
        }
    }
    if (need > 1 && cut_channels && split.channel_blocks < vectors) {
        // The spatial dims cannot take the rest (a global pooling): shorter blocks.
        const std::ptrdiff_t blocks = split.channel_blocks * need;
        cut_channels_into(blocks < vectors ? blocks : vectors);
    }
    const std::ptrdiff_t items = split.items();
    split.tasks = items < wanted ? items : wanted;
    return split;
}

/// Runs work items `first` to `last` - 1 of a split: `whole_planes(first,
/// last)` where it cuts no plane (the items are the plane items), else
/// `one_part(part)` for each item's part of a plane.
template <class WholePlanes, class OnePart>
void run_parts(const work_split& split, std::ptrdiff_t first, std::ptrdiff_t last, const WholePlanes& whole_planes,
               const OnePart& one_part) noexcept {
    if (!split.cuts_planes()) {
        whole_planes(first, last);
        return;
    }
    for (std::ptrdiff_t item = first; item < last; ++item) one_part(split.part(item));
}

/// Calls run_items(first, last) over all `items`, dealt into `tasks` tasks of
/// consecutive items: inline when there is one task, else through the
/// executor (executor(tasks, task), task(t) for t in [0, tasks)).
template <class Executor, class RunItems>
void run_tasks(Executor& executor, std::ptrdiff_t tasks, std::ptrdiff_t items, const RunItems& run_items) {
    if (tasks <= 1) {
        run_items(std::ptrdiff_t(0), items);
        return;
    }
    auto task = [&run_items, tasks, items](std::ptrdiff_t t) noexcept { run_items(t * items / tasks, (t + 1) * items / tasks); };
    executor(tasks, task);
}

}  // namespace detail
}  // namespace apool
