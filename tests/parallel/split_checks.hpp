// What the split-call tests share (test_split_calls.cpp,
// test_split_golden.cpp): the public calls by name or rank-generic, and
// same_bytes, which runs a call with no executor and with each executor and
// compares every logical element. This executable is built with
// APOOL_PARALLEL_FROM_ELEMENTS 1 and APOOL_ELEMENTS_PER_TASK 4
// (tests/parallel/CMakeLists.txt), so that small shapes split the way large
// calls do: into tasks of planes, blocks of channels and parts of planes.
#pragma once

#include <apool/apool.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "executors.hpp"
#include "golden_data.hpp"
#include "layouts.hpp"

namespace apool_split {

using apool_test::golden_case;
using apool_test::layout_kind;

static_assert(APOOL_PARALLEL_FROM_ELEMENTS == 1, "tests/parallel builds with APOOL_PARALLEL_FROM_ELEMENTS=1");

template <std::size_t Rank>
std::array<std::ptrdiff_t, Rank> to_extents(const std::vector<std::ptrdiff_t>& extents) {
    std::array<std::ptrdiff_t, Rank> result{};
    for (std::size_t d = 0; d < Rank; ++d) result[d] = extents[d];
    return result;
}

// The named (1d/2d/3d) or the rank-generic function, with the executor
// arguments given (none, or one).
template <std::size_t Spatial, class... Rest>
void avg_forward(bool named, Rest&&... rest) {
    if (!named) {
        apool::adaptive_avg_pool<Spatial>(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_avg_pool1d(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_avg_pool2d(std::forward<Rest>(rest)...);
    } else {
        apool::adaptive_avg_pool3d(std::forward<Rest>(rest)...);
    }
}

template <std::size_t Spatial, class... Rest>
void max_forward(bool named, Rest&&... rest) {
    if (!named) {
        apool::adaptive_max_pool<Spatial>(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_max_pool1d(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_max_pool2d(std::forward<Rest>(rest)...);
    } else {
        apool::adaptive_max_pool3d(std::forward<Rest>(rest)...);
    }
}

template <std::size_t Spatial, class... Rest>
void avg_backward(bool named, Rest&&... rest) {
    if (!named) {
        apool::adaptive_avg_pool_backward<Spatial>(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_avg_pool1d_backward(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_avg_pool2d_backward(std::forward<Rest>(rest)...);
    } else {
        apool::adaptive_avg_pool3d_backward(std::forward<Rest>(rest)...);
    }
}

template <std::size_t Spatial, class... Rest>
void max_backward(bool named, Rest&&... rest) {
    if (!named) {
        apool::adaptive_max_pool_backward<Spatial>(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 1) {
        apool::adaptive_max_pool1d_backward(std::forward<Rest>(rest)...);
    } else if constexpr (Spatial == 2) {
        apool::adaptive_max_pool2d_backward(std::forward<Rest>(rest)...);
    } else {
        apool::adaptive_max_pool3d_backward(std::forward<Rest>(rest)...);
    }
}

template <class T>
T sentinel() {
    return T(-7777.25f);
}
template <>
inline std::uint8_t sentinel<std::uint8_t>() {
    return 201;
}

// Calls split into more than one task, over the whole run: a test whose
// calls never split could not fail.
inline std::ptrdiff_t split_calls = 0;

// Runs `call(views..., executor...)` on fresh buffers laid out as `kind`, with
// no executor and then with each executor, and checks that every logical
// element has the same bits (`sums`: except NaN payloads) and no padding is
// written.
template <class T, std::size_t Spatial, std::size_t Rank, class Call>
void same_bytes(const char* what, bool sums, layout_kind kind, const std::array<std::ptrdiff_t, Rank>& extents, const std::vector<T>& start,
                Call&& call) {
    auto plain = apool_test::lay_out(kind, Spatial, extents, start, sentinel<T>());
    REQUIRE(plain);
    call(plain->view());
    const std::vector<T> expected = plain->logical();
    std::ptrdiff_t tasks = 0;
    auto counted = apool_test::lay_out(kind, Spatial, extents, start, sentinel<T>());
    call(counted->view(), apool_test::counting_order{&tasks});
    if (tasks > 1) ++split_calls;
    apool_test::for_each_executor([&](auto&& executor, const char* name) {
        INFO(what << " with " << name);
        auto result = apool_test::lay_out(kind, Spatial, extents, start, sentinel<T>());
        call(result->view(), executor);
        if (sums) {
            CHECK(apool_test::sum_mismatches(what, result->logical(), expected) == "");
        } else {
            CHECK(apool_test::bit_mismatches(what, result->logical(), expected) == "");
        }
        CHECK(result->padding_untouched());
    });
}

template <class T, std::size_t Spatial, std::size_t Rank>
void compare_case(const golden_case& golden) {
    const auto in_extents = to_extents<Rank>(golden.input_extents);
    const auto out_extents = to_extents<Rank>(golden.output_extents);
    const std::vector<T> input = apool_test::from_bits<T>(golden.input);
    const std::vector<T> grad_output = apool_test::from_bits<T>(golden.grad_output);
    const std::vector<std::int64_t> indices = golden.max_indices;
    const std::vector<T> out_start(grad_output.size(), sentinel<T>());
    const std::vector<std::int64_t> index_start(grad_output.size(), -99);
    const auto inputs = apool_test::all_layouts();
    const auto writable = apool_test::writable_layouts();
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const layout_kind in_kind = inputs[k];
        if (in_kind == layout_kind::broadcast) continue;  // its data would differ from the golden input's
        const layout_kind out_kind = writable[k % writable.size()];
        const bool named = k % 2 == 0;
        const auto in = apool_test::lay_out(in_kind, Spatial, in_extents, input, apool_test::padding_nan<T>());
        const auto go = apool_test::lay_out(in_kind, Spatial, out_extents, grad_output, apool_test::padding_nan<T>());
        const auto index = apool_test::lay_out(in_kind, Spatial, out_extents, indices, std::int64_t(-1));
        if (!in || !go || !index) continue;
        if (!apool_test::lay_out(out_kind, Spatial, in_extents, input, sentinel<T>())) continue;
        INFO("case " << golden.name << ", input layout " << apool_test::layout_name(in_kind) << ", output layout "
                     << apool_test::layout_name(out_kind) << (named ? ", named function" : ", rank-generic function"));

        same_bytes<T, Spatial>("avg output", true, out_kind, out_extents, out_start,
                               [&](auto out, auto&&... executor) { avg_forward<Spatial>(named, in->const_view(), out, executor...); });
        same_bytes<T, Spatial>("max output", false, out_kind, out_extents, out_start,
                               [&](auto out, auto&&... executor) { max_forward<Spatial>(named, in->const_view(), out, executor...); });
        // The indices of a call that writes values and indices, and the values of one with int32 indices.
        same_bytes<std::int64_t, Spatial>("max indices", false, out_kind, out_extents, index_start, [&](auto idx, auto&&... executor) {
            std::vector<T> values(grad_output.size());
            apool::strided_view<T, Rank> value_view(values.data(), out_extents);
            max_forward<Spatial>(named, in->const_view(), value_view, idx, executor...);
        });
        same_bytes<T, Spatial>("max output with int32 indices", false, out_kind, out_extents, out_start, [&](auto out, auto&&... executor) {
            std::vector<std::int32_t> idx(grad_output.size());
            apool::strided_view<std::int32_t, Rank> index_view(idx.data(), out_extents);
            max_forward<Spatial>(named, in->const_view(), out, index_view, executor...);
        });

        // Gradients: overwrite (onto the sentinel), accumulate (onto the input's values).
        for (apool::gradient_update update : {apool::gradient_update::overwrite, apool::gradient_update::accumulate}) {
            const bool overwrite = update == apool::gradient_update::overwrite;
            const std::vector<T> grad_start = overwrite ? std::vector<T>(input.size(), sentinel<T>()) : input;
            INFO((overwrite ? "overwrite" : "accumulate"));
            same_bytes<T, Spatial>("avg grad_input", true, out_kind, in_extents, grad_start, [&](auto grad_input, auto&&... executor) {
                if (overwrite && sizeof...(executor) == 1 && named) {
                    avg_backward<Spatial>(named, go->const_view(), grad_input, executor...);
                } else {
                    avg_backward<Spatial>(named, go->const_view(), grad_input, update, executor...);
                }
            });
            same_bytes<T, Spatial>("max grad_input", true, out_kind, in_extents, grad_start, [&](auto grad_input, auto&&... executor) {
                if (overwrite && sizeof...(executor) == 1 && !named) {
                    max_backward<Spatial>(named, go->const_view(), index->const_view(), grad_input, executor...);
                } else {
                    max_backward<Spatial>(named, go->const_view(), index->const_view(), grad_input, update, executor...);
                }
            });
        }
    }
}

template <std::size_t Spatial, std::size_t Leading>
bool compare_if(const golden_case& golden) {
    if (golden.spatial != Spatial || golden.leading() != Leading) return false;
    if (golden.is_double) {
        compare_case<double, Spatial, Spatial + Leading>(golden);
    } else {
        compare_case<float, Spatial, Spatial + Leading>(golden);
    }
    return true;
}

}  // namespace apool_split
