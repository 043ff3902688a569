// apool: the average and the max of each window together, as one reduction
// policy (reductions.hpp), so that one walk over a window feeds both: every
// element is loaded once and goes into the sum and into the max.
//
// Each half keeps its own policy's arithmetic, in the same order: a kernel
// run with the pair writes the average the average's run of that kernel
// writes, and the max (value and index) that any kernel writes, since the max
// of a window has one answer. The two results go to two outputs laid out
// alike (two_outputs), the max's indices to their own.
#pragma once

#include <cstddef>
#include <type_traits>

#include "../config.hpp"
#include "../simd.hpp"
#include "reductions.hpp"

namespace apool {
namespace detail {

/// Entries of a row buffer of the rows kernel (forward_rows.hpp): a chunk of
/// columns and the vector pair past them that a group of uniform windows
/// reads. The pair keeps its maxima one such length after its sums.
template <class T>
constexpr std::ptrdiff_t row_buffer_length = APOOL_ROW_BUFFER_ELEMENTS + 2 * simd::lanes<T>;

/// Where the pair writes: the average and the max outputs, which have the same
/// strides, so that one offset locates an output position in both.
template <class T>
struct two_outputs {
    T* average;
    T* maximum;
    two_outputs operator+(std::ptrdiff_t offset) const noexcept { return {average + offset, maximum + offset}; }
};

template <class T>
struct average_and_maximum {
    using sum = average<T>;
    using largest = maximum<T>;
    using element = T;
    using result = T;
    using accumulator = T;
    using index_lane = typename largest::index_lane;
    static constexpr bool tracks_index = true;

    struct state {
        typename sum::state total;
        typename largest::state best;
    };
    static state start(std::ptrdiff_t first_index) noexcept { return {sum::start(first_index), largest::start(first_index)}; }
    static void accumulate(state& s, T value, std::ptrdiff_t index) noexcept {
        sum::accumulate(s.total, value, index);
        largest::accumulate(s.best, value, index);
    }
    static void combine(state& into, const state& from) noexcept {
        sum::combine(into.total, from.total);
        largest::combine(into.best, from.best);
    }

    struct vector_state {
        typename sum::vector_state total;
        typename largest::vector_state best;
    };
    using position = typename largest::position;
    static position vector_position(std::ptrdiff_t index) noexcept { return largest::vector_position(index); }
    static vector_state vector_start(std::ptrdiff_t first_index) noexcept {
        return {sum::vector_start(first_index), largest::vector_start(first_index)};
    }
    static vector_state vector_first(const simd::batch<T>& value, const position& index) noexcept {
        return {sum::vector_first(value, {}), largest::vector_first(value, index)};
    }
    static void vector_accumulate(vector_state& s, const simd::batch<T>& value, const position& index) noexcept {
        sum::vector_accumulate(s.total, value, {});
        largest::vector_accumulate(s.best, value, index);
    }

    static void store_index(const vector_state& s, index_lane* indices) noexcept { largest::store_index(s.best, indices); }

    /// Row buffer entries: the sums from `values`, the maxima row_buffer_length
    /// entries further on, the maxima's indices in `indices`.
    static void store_partial(const vector_state& s, T* values, index_lane* indices) noexcept {
        sum::store_partial(s.total, values, nullptr);
        largest::store_partial(s.best, values + row_buffer_length<T>, indices);
    }
    static void store_partial(const state& s, T* values, index_lane* indices) noexcept {
        sum::store_partial(s.total, values, nullptr);
        largest::store_partial(s.best, values + row_buffer_length<T>, indices);
    }

    /// Both halves of `count` contiguous elements: the span is short (a
    /// window's row), so its second read comes from L1.
    static state span(const T* data, std::ptrdiff_t count, std::ptrdiff_t first_index) noexcept {
        return {sum::span(data, count, first_index), largest::span(data, count, first_index)};
    }
    static state buffer_window(const T* values, const index_lane* indices, std::ptrdiff_t filled, std::ptrdiff_t first, std::ptrdiff_t count,
                               std::ptrdiff_t first_column) noexcept {
        return {sum::buffer_window(values, indices, filled, first, count, first_column),
                largest::buffer_window(values + row_buffer_length<T>, indices, filled, first, count, first_column)};
    }
    static state buffer_span(const T* values, const index_lane* indices, std::ptrdiff_t count, std::ptrdiff_t first_column,
                             std::ptrdiff_t stride) noexcept {
        return {sum::buffer_span(values, indices, count, first_column, stride),
                largest::buffer_span(values + row_buffer_length<T>, indices, count, first_column, stride)};
    }

    /// A window's results into both outputs, its index where `index` is not null.
    template <class I>
    static void write(const state& s, std::ptrdiff_t count, const two_outputs<T>& out, I* index) noexcept {
        *out.average = sum::value(s.total, count);
        *out.maximum = largest::value(s.best, count);
        if (index != nullptr) *index = static_cast<I>(largest::index(s.best));
    }
};

/// Whether Reduction is the pair.
template <class Reduction>
constexpr bool is_pair = std::is_same<Reduction, average_and_maximum<typename Reduction::element>>::value;

/// What a kernel run with Reduction writes its results through: a pointer to
/// the result type, or the pair's two outputs.
template <class Reduction>
using output_of = std::conditional_t<is_pair<Reduction>, two_outputs<typename Reduction::result>, typename Reduction::result*>;

/// Result `r` of a kernel's output `out` (a pointer, or the pair's two
/// outputs: 0 the average, 1 the maximum).
template <class Out>
inline auto* result_at(Out out, std::ptrdiff_t r) noexcept {
    if constexpr (std::is_pointer<Out>::value) {
        static_cast<void>(r);
        return out;
    } else {
        return r == 0 ? out.average : out.maximum;
    }
}

/// Registers one vector of lanes' state takes: the sum one, the max two
/// (value and index; one for its values alone), the pair three.
template <class Reduction>
constexpr std::ptrdiff_t state_registers =
    static_cast<std::ptrdiff_t>(sizeof(typename Reduction::vector_state) / sizeof(simd::batch<typename Reduction::accumulator>));

}  // namespace detail
}  // namespace apool
