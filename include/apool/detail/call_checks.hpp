// apool: the argument checks of a forward and of a backward call.
//
// They take the views as view_info (validate.hpp) and are not templates: a
// translation unit compiles one copy of them whatever the element types and
// ranks it calls with. They return the failure's message (empty when every
// argument is sound), which `reported` hands to report_error in the calling
// translation unit's error configuration.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "../errors.hpp"
#include "../strided_view.hpp"
#include "memory_order.hpp"
#include "shared_elements.hpp"
#include "validate.hpp"
#include "walk.hpp"

namespace apool {
namespace detail {

/// Reports a check's message, if any; true when there is none.
inline bool reported(const std::string& message) {
    if (message.empty()) return true;
    report_error(message);
    return false;
}

/// The measures of a call's two sides, once their checks have run.
struct side_measures {
    view_extent_check written;
    view_extent_check other;
};

/// The checks of a call's pooling input side and output side, in their order:
/// first the side that is only read (`other`), then the written one, which is
/// the input side (grad_input) when `written_is_in`, else the output side.
inline side_measures check_sides(argument_checker& check, std::size_t spatial, const char* written_name, const view_info& written,
                                 const char* other_name, const view_info& other, bool written_is_in) {
    side_measures measures;
    measures.other = check.view(other_name, other, spatial, !written_is_in, false);
    measures.written = check.view(written_name, written, spatial, written_is_in, true);
    const view_info& in = written_is_in ? written : other;
    const view_info& out = written_is_in ? other : written;
    check.same_leading_extents(written_is_in ? written_name : other_name, in, written_is_in ? other_name : written_name, out, spatial);
    check.window_rule_fits(in, out, spatial);
    check.disjoint(written_name, bytes_of(written, measures.written), other_name, bytes_of(other, measures.other));
    return measures;
}

/// The checks of a forward call; `indices` is null where none are written,
/// else indices of `index_bits` bits whose largest value is `index_max`.
inline std::string forward_argument_errors(const char* function, std::size_t spatial, const view_info& input, const view_info& output,
                                           const view_info* indices, std::size_t index_bits, std::ptrdiff_t index_max) {
    argument_checker check(function);
    const side_measures sides = check_sides(check, spatial, "output", output, "input", input, false);
    if (indices != nullptr) {
        const auto indices_measure = check.view("indices", *indices, spatial, false, true);
        check.same_extents("output", output, "indices", *indices);
        check.index_type_holds_plane(input, spatial, index_bits, index_max);
        check.disjoint("indices", bytes_of(*indices, indices_measure), "input", bytes_of(input, sides.other));
        if (!check.failed() && views_share_elements(*indices, indices_measure, output, sides.written)) {
            check.overlapping("indices", "output");
        }
    }
    return std::move(check.message());
}

/// One result of a call with several (avg and max together, a pyramid): its
/// output and, where it has them, its indices, with the names messages use.
struct result_views {
    const char* output_name = "output";
    view_info output{};
    const char* indices_name = "indices";
    const view_info* indices = nullptr;
};

/// The most results one call writes (a pyramid's levels).
constexpr std::size_t most_results = 16;

/// The checks of a call that writes several results of one input: the
/// input, then each result's output and indices as a forward call checks
/// them, then every two of the written views: they may interleave, but not
/// share an element.
inline std::string several_results_errors(const char* function, std::size_t spatial, const view_info& input, const result_views* results,
                                          std::size_t count, std::size_t index_bits, std::ptrdiff_t index_max) {
    argument_checker check(function);
    const view_extent_check input_measure = check.view("input", input, spatial, true, false);
    const byte_range input_bytes = bytes_of(input, input_measure);
    const char* names[2 * most_results];
    const view_info* written[2 * most_results];
    view_extent_check measures[2 * most_results];
    std::size_t views = 0;
    for (std::size_t k = 0; k < count && k < most_results; ++k) {
        const result_views& result = results[k];
        const view_extent_check output_measure = check.view(result.output_name, result.output, spatial, false, true);
        check.same_leading_extents("input", input, result.output_name, result.output, spatial);
        check.window_rule_fits(input, result.output, spatial);
        check.disjoint(result.output_name, bytes_of(result.output, output_measure), "input", input_bytes);
        names[views] = result.output_name;
        written[views] = &result.output;
        measures[views++] = output_measure;
        if (result.indices == nullptr) continue;
        const view_extent_check indices_measure = check.view(result.indices_name, *result.indices, spatial, false, true);
        check.same_extents(result.output_name, result.output, result.indices_name, *result.indices);
        check.index_type_holds_plane(input, spatial, index_bits, index_max);
        check.disjoint(result.indices_name, bytes_of(*result.indices, indices_measure), "input", input_bytes);
        names[views] = result.indices_name;
        written[views] = result.indices;
        measures[views++] = indices_measure;
    }
    for (std::size_t b = 1; b < views && !check.failed(); ++b) {
        for (std::size_t a = 0; a < b && !check.failed(); ++a) {
            if (views_share_elements(*written[b], measures[b], *written[a], measures[a])) check.overlapping(names[b], names[a]);
        }
    }
    return std::move(check.message());
}

/// The checks of a backward call that do not read the indices; `indices` is
/// null for the average. Messages call grad_output `grad_output_name`.
inline std::string backward_argument_errors(const char* function, std::size_t spatial, const view_info& grad_output,
                                            const view_info& grad_input, const view_info* indices,
                                            const char* grad_output_name = "grad_output") {
    argument_checker check(function);
    const side_measures sides = check_sides(check, spatial, "grad_input", grad_input, grad_output_name, grad_output, true);
    if (indices != nullptr) {
        const auto indices_measure = check.view("indices", *indices, spatial, false, false);
        check.same_extents(grad_output_name, grad_output, "indices", *indices);
        check.disjoint("grad_input", bytes_of(grad_input, sides.written), "indices", bytes_of(*indices, indices_measure));
    }
    return std::move(check.message());
}

/// The fast test behind indices_outside_plane: the indices are read in
/// memory order (memory_order.hpp), so that channels-last indices are one
/// contiguous line, and without a branch per element (vectorized where the
/// line is contiguous); only a hit is located again, in logical order, for
/// the message.
template <class I, std::size_t Rank>
bool any_index_outside(const strided_view<const I, Rank>& indices, std::ptrdiff_t plane_size) noexcept {
    const auto order = order_by_memory(indices);
    if (order.empty) return false;
    const std::ptrdiff_t length = order.line_length();
    const std::ptrdiff_t step = order.line_stride();
    // As unsigned numbers negative indices are huge, so one maximum (a
    // reduction compilers vectorize, unlike an `or` of comparisons) catches
    // both ends of the range.
    std::uint64_t largest = 0;
    for_each_line(indices.data(), order, [&](const I* line) {
        std::uint64_t line_largest = 0;
        if (step == 1) {
            for (std::ptrdiff_t i = 0; i < length; ++i) line_largest = std::max(line_largest, static_cast<std::uint64_t>(line[i]));
        } else {
            for (std::ptrdiff_t i = 0; i < length; ++i) line_largest = std::max(line_largest, static_cast<std::uint64_t>(line[i * step]));
        }
        largest = std::max(largest, line_largest);
    });
    return largest >= static_cast<std::uint64_t>(plane_size);
}

/// Every index must name a position inside a plane of `plane_size`
/// elements; reads every index once, before anything is written. The
/// message names the first index outside, in logical order.
template <class I, std::size_t Rank>
std::string indices_outside_plane(const char* function, const strided_view<const I, Rank>& indices, std::ptrdiff_t plane_size) {
    argument_checker check(function);
    if (indices.size() == 0 || !any_index_outside(indices, plane_size)) return std::string();
    std::array<std::ptrdiff_t, Rank> position{};
    std::ptrdiff_t offset = 0;
    for (std::ptrdiff_t visited = 0, total = indices.size(); visited < total && !check.failed(); ++visited) {
        const I value = indices.data()[offset];
        if (value < 0 || static_cast<std::ptrdiff_t>(value) >= plane_size) {
            check.fail(message_text() << "indices" << dims{position.data(), Rank} << " is " << value <<
                       ", outside the input plane of " << plane_size << " elements (indices extents " <<
                       dims{indices.extents().data(), Rank} << ")");
        }
        next_position(position, indices.extents(), Rank, Rank,
                      [&](std::size_t dim, std::ptrdiff_t steps) { offset += steps * indices.stride(dim); });
    }
    return std::move(check.message());
}

}  // namespace detail
}  // namespace apool
