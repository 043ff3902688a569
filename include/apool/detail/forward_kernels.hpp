// apool: what every forward kernel shares (writing a window's result, the
// walk of a window that reduces a vector of lanes or one lane), and the generic
// kernel: any strides, one element at a time. The kernels run after the
// arguments were checked, and neither throw nor allocate; forward_plan.hpp
// chooses between them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "../simd/widen.hpp"
#include "element_types.hpp"
#include "pair_reduction.hpp"
#include "reductions.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Stores one vector of results for `width` neighbouring outputs from
/// `out_first`, `out_channel_stride` apart, each rounded once
/// (round_from_float) where Out is narrower than the float lanes.
template <class T, class Out>
inline void store_lanes(const simd::batch<T>& values, Out* out_first, std::ptrdiff_t out_channel_stride) noexcept {
    constexpr std::ptrdiff_t width = simd::lanes<T>;
    alignas(64) T lane_values[width];
    if constexpr (std::is_same<T, Out>::value) {
        if (out_channel_stride == 1) {
            simd::store(out_first, values);
            return;
        }
        simd::store(lane_values, values);
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) out_first[lane * out_channel_stride] = lane_values[lane];
    } else {
        static_assert(std::is_same<T, float>::value, "results narrower than their lanes round from float");
        if constexpr (is_half_precision<Out> || is_byte_integer<Out>) {
            if (out_channel_stride == 1) {
                simd::store_narrowed(out_first, values);
                return;
            }
        }
        simd::store(lane_values, values);
        for (std::ptrdiff_t lane = 0; lane < width; ++lane) out_first[lane * out_channel_stride] = round_from_float<Out>(lane_values[lane]);
    }
}

/// Writes a window's result (through output_of<Reduction>), and its index
/// where `index` is not null.
template <class Reduction, class Out, class I>
inline void write_result(const typename Reduction::state& s, std::ptrdiff_t count, Out out, I* index) noexcept {
    if constexpr (is_pair<Reduction>) {
        Reduction::write(s, count, out, index);
    } else {
        *out = Reduction::value(s, count);
        if constexpr (Reduction::tracks_index) {
            if (index != nullptr) *index = static_cast<I>(Reduction::index(s));
        }
    }
}

/// Whether a policy's walk tests the vectors it loads for NaN (maximum_value).
template <class Reduction, class = void>
constexpr bool probes_nan = false;
template <class Reduction>
constexpr bool probes_nan<Reduction, std::void_t<decltype(Reduction::probes_nan)>> = Reduction::probes_nan;

/// One window of the box over the first Dims spatial dims, reduced for the
/// Blocks * lanes contiguous lanes that start at `base` (lanes of the
/// Reduction's accumulator, into which narrower elements widen as loaded); the last block is
/// moved back by `last_shift` lanes (to end at the end of a row shorter than
/// Blocks whole vectors, overlapping its predecessor). With Prefetch, each
/// element read asks for the one `prefetch_ahead` elements further on. A
/// template choice, not a run-time one: the walk must stay inlined into the
/// tiled kernel, which reads a stack tile and prefetches nothing. Returns
/// whether a vector read held a NaN where the Reduction probes for them
/// (false for the others).
template <class Reduction, std::size_t Dims, bool Prefetch = false, std::size_t Blocks, class T, std::size_t Spatial>
inline bool reduce_lanes(const T* base, const spatial_layout<Spatial>& layout, const window_box<Dims>& box,
                         std::ptrdiff_t first_index, typename Reduction::vector_state (&states)[Blocks],
                         std::ptrdiff_t last_shift = 0, std::ptrdiff_t prefetch_ahead = 0) noexcept {
    using lane_type = typename Reduction::accumulator;
    constexpr std::ptrdiff_t width = simd::lanes<lane_type>;
    for (std::size_t k = 0; k < Blocks; ++k) states[k] = Reduction::vector_start(first_index);
    const std::ptrdiff_t last_block = static_cast<std::ptrdiff_t>(Blocks - 1) * width - last_shift;
    simd::mask<lane_type> nan = simd::is_nan(simd::broadcast(lane_type(0)));
    auto add = [&](std::ptrdiff_t offset, std::ptrdiff_t flat_index) {
        const auto position = Reduction::vector_position(flat_index);
        const T* row = base + offset;
        auto block_at = [&](std::size_t k) { return k + 1 < Blocks ? static_cast<std::ptrdiff_t>(k) * width : last_block; };
        if constexpr (probes_nan<Reduction>) {
            // Two vectors to one unordered compare.
            for (std::size_t k = 0; k + 1 < Blocks; k += 2) {
                const simd::batch<lane_type> first = simd::load_as<lane_type>(row + block_at(k));
                const simd::batch<lane_type> second = simd::load_as<lane_type>(row + block_at(k + 1));
                Reduction::vector_accumulate(states[k], first, position);
                Reduction::vector_accumulate(states[k + 1], second, position);
                nan = nan | simd::either_nan(first, second);
            }
            if constexpr (Blocks % 2 == 1) {
                const simd::batch<lane_type> last = simd::load_as<lane_type>(row + block_at(Blocks - 1));
                Reduction::vector_accumulate(states[Blocks - 1], last, position);
                nan = nan | simd::is_nan(last);
            }
        } else {
            for (std::size_t k = 0; k < Blocks; ++k) {
                Reduction::vector_accumulate(states[k], simd::load_as<lane_type>(row + block_at(k)), position);
            }
        }
        if constexpr (Prefetch) {
            for (std::size_t k = 0; k < Blocks; ++k) simd::prefetch(row + static_cast<std::ptrdiff_t>(k) * width, prefetch_ahead);
        }
    };
    walk_box<Dims>(layout, box, 0, 0, add);
    return probes_nan<Reduction> && simd::any<lane_type>(nan);
}

/// Whether a policy's window is walked again by another policy where the walk
/// met a NaN (maximum_value).
template <class Reduction, class = void>
constexpr bool has_rescan = false;
template <class Reduction>
constexpr bool has_rescan<Reduction, std::void_t<typename Reduction::rescan_with>> = true;

/// reduce_lanes, then use(policy, states) with a value of the policy that
/// made the states; where that walk met a NaN and the policy has a rescan
/// policy (maximum_value), the window is walked again by that one, whose
/// states `use` gets instead.
template <class Reduction, std::size_t Dims, bool Prefetch = false, std::size_t Blocks = 1, class T, std::size_t Spatial, class Use>
inline void reduce_lanes_then(const T* base, const spatial_layout<Spatial>& layout, const window_box<Dims>& box,
                              std::ptrdiff_t first_index, std::ptrdiff_t prefetch_ahead, Use&& use) noexcept {
    typename Reduction::vector_state states[Blocks];
    const bool met_nan = reduce_lanes<Reduction, Dims, Prefetch>(base, layout, box, first_index, states, 0, prefetch_ahead);
    if constexpr (has_rescan<Reduction>) {
        if (met_nan) {
            reduce_lanes_then<typename Reduction::rescan_with, Dims, Prefetch, Blocks>(base, layout, box, first_index, prefetch_ahead, use);
            return;
        }
    }
    use(Reduction{}, static_cast<const typename Reduction::vector_state(&)[Blocks]>(states));
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

template <class Reduction, class T, class Out, class I, std::size_t Spatial>
void generic_plane(const T* in, Out out, I* index, const spatial_layout<Spatial>& layout) noexcept {
    output_window<Spatial> box{};
    auto per_output = [&](const window_box<Spatial>& b, std::ptrdiff_t out_offset, std::ptrdiff_t index_offset) {
        const auto s = reduce_scalar<Reduction, Spatial>(in, layout, b, box_first_index<Spatial>(layout, b));
        write_result<Reduction>(s, box_count<Spatial>(b), out + out_offset, index != nullptr ? index + index_offset : nullptr);
    };
    for_each_window<Spatial>(layout, box, 0, 0, per_output);
}
}  // namespace detail
}  // namespace apool
