// apool: a view's elements in memory order, for passes whose result does not
// depend on the order they visit elements in (zeroing grad_input, checking
// that every index lies in its plane). Visiting by memory rather than by
// logical position turns a channels-last view into one contiguous line
// instead of one strided line per row.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "../strided_view.hpp"

namespace apool {
namespace detail {

/// A view's dims by stride magnitude, the largest first, with every dim that
/// continues the one inside it in memory merged into it: a dense view of any
/// dim order is one line. Dims of extent 1 or stride 0 are dropped (a stride-0
/// dim repeats the same elements); unused dims have extent 1 and stride 0.
/// `empty` when the view has no elements.
template <std::size_t Rank>
struct memory_order {
    std::array<std::ptrdiff_t, Rank> extent{};
    std::array<std::ptrdiff_t, Rank> stride{};
    bool empty = false;

    std::ptrdiff_t line_length() const noexcept { return extent[Rank - 1]; }
    std::ptrdiff_t line_stride() const noexcept { return stride[Rank - 1]; }
};

template <class T, std::size_t Rank>
memory_order<Rank> order_by_memory(const strided_view<T, Rank>& view) noexcept {
    memory_order<Rank> order;
    std::array<std::size_t, Rank> dims{};
    for (std::size_t d = 0; d < Rank; ++d) dims[d] = d;
    auto magnitude = [&](std::size_t dim) { return view.stride(dim) < 0 ? -view.stride(dim) : view.stride(dim); };
    for (std::size_t k = 1; k < Rank; ++k) {  // insertion sort, largest stride first: Rank is tiny
        for (std::size_t j = k; j > 0 && magnitude(dims[j]) > magnitude(dims[j - 1]); --j) std::swap(dims[j], dims[j - 1]);
    }
    // Built innermost first, then moved to the end of the arrays.
    std::array<std::ptrdiff_t, Rank> extent{};
    std::array<std::ptrdiff_t, Rank> stride{};
    std::size_t used = 0;
    for (std::size_t k = Rank; k-- > 0;) {
        const std::ptrdiff_t e = view.extent(dims[k]);
        const std::ptrdiff_t s = view.stride(dims[k]);
        if (e == 0) {
            order.empty = true;
            return order;
        }
        if (e == 1 || s == 0) continue;
        if (used > 0 && s == stride[used - 1] * extent[used - 1]) {
            extent[used - 1] *= e;
        } else {
            extent[used] = e;
            stride[used] = s;
            ++used;
        }
    }
    for (std::size_t k = 0; k < Rank; ++k) {
        const bool real = k < used;
        order.extent[Rank - 1 - k] = real ? extent[k] : 1;
        order.stride[Rank - 1 - k] = real ? stride[k] : 0;
    }
    return order;
}

/// Calls f(first element of the line) for every line (innermost dim) of a
/// non-empty `order` over `data`, the outer dims in order.
template <std::size_t Dim = 0, class T, std::size_t Rank, class F>
void for_each_line(T* data, const memory_order<Rank>& order, F&& f) noexcept {
    if constexpr (Dim + 1 == Rank) {
        f(data);
    } else {
        for (std::ptrdiff_t i = 0; i < order.extent[Dim]; ++i) for_each_line<Dim + 1>(data + i * order.stride[Dim], order, f);
    }
}

}  // namespace detail
}  // namespace apool
