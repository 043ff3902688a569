// Every class of bad argument to the forward and backward functions: the call reports
// apool::invalid_argument whose message starts with the function's name and
// names the argument and its shapes, and no byte of memory changes.
//
// All views of a test point into one arena of patterned bytes; a rejected call
// must leave the whole arena as it was, which covers outputs, indices, padding
// between elements and the memory around every view.
#include <apool/apool.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "catch.hpp"
#include "naive_reference.hpp"

namespace {

template <std::size_t Rank>
using extents = std::array<std::ptrdiff_t, Rank>;

constexpr std::ptrdiff_t ptrdiff_max = std::numeric_limits<std::ptrdiff_t>::max();

/// Patterned bytes that every view of a test lives in.
class arena {
public:
    arena() : bytes_(size) {
        std::uint32_t state = 0x9e3779b9u;
        for (auto& byte : bytes_) {
            state = state * 1664525u + 1013904223u;
            byte = static_cast<unsigned char>(state >> 24);
        }
    }

    static constexpr std::size_t size = 1 << 16;

    /// The address `byte_offset` bytes into the arena, as a T*.
    template <class T>
    T* at(std::size_t byte_offset) {
        return reinterpret_cast<T*>(bytes_.data() + byte_offset);
    }

    const std::vector<unsigned char>& bytes() const { return bytes_; }

private:
    std::vector<unsigned char> bytes_;
};

/// The message of the apool::invalid_argument that `call` throws, or a note that it threw none.
template <class Call>
std::string error_message(Call&& call) {
    try {
        call();
    } catch (const apool::invalid_argument& error) {
        return error.what();
    }
    return "(no error reported)";
}

/// Runs `call`, requires that it reports an error from `function` whose message
/// contains every one of `parts`, and that no byte of `memory` changed.
template <class Call>
void require_rejected(arena& memory, const std::string& function, const std::vector<std::string>& parts, Call&& call) {
    const std::vector<unsigned char> before = memory.bytes();
    const std::string message = error_message(call);
    INFO("function: " << function << "\nmessage: " << message);
    CHECK(message.rfind("apool::" + function + ": ", 0) == 0);
    for (const std::string& part : parts) {
        INFO("expected part: " << part);
        CHECK(message.find(part) != std::string::npos);
    }
    CHECK(memory.bytes() == before);
}

/// The arguments of one forward call.
template <class T, std::size_t Rank>
struct forward_arguments {
    apool::strided_view<const T, Rank> input;
    apool::strided_view<T, Rank> output;
    apool::strided_view<std::int64_t, Rank> indices;
    apool::strided_view<std::int32_t, Rank> indices32;
};

/// One public forward entry point, called on forward_arguments.
template <class T, std::size_t Rank>
struct forward_function {
    std::string name;
    int index_bits;  // 0: no indices; 64 or 32: which indices it writes
    std::function<void(const forward_arguments<T, Rank>&)> call;
};

/// Every public forward function for `Spatial` spatial dims.
template <std::size_t Spatial, class T, std::size_t Rank>
std::vector<forward_function<T, Rank>> forward_functions() {
    using arguments = forward_arguments<T, Rank>;
    const std::string suffix = std::to_string(Spatial) + "d";
    std::vector<forward_function<T, Rank>> functions;
    functions.push_back({"adaptive_avg_pool" + suffix, 0, [](const arguments& a) {
                             if constexpr (Spatial == 1) apool::adaptive_avg_pool1d(a.input, a.output);
                             if constexpr (Spatial == 2) apool::adaptive_avg_pool2d(a.input, a.output);
                             if constexpr (Spatial == 3) apool::adaptive_avg_pool3d(a.input, a.output);
                         }});
    functions.push_back({"adaptive_max_pool" + suffix, 0, [](const arguments& a) {
                             if constexpr (Spatial == 1) apool::adaptive_max_pool1d(a.input, a.output);
                             if constexpr (Spatial == 2) apool::adaptive_max_pool2d(a.input, a.output);
                             if constexpr (Spatial == 3) apool::adaptive_max_pool3d(a.input, a.output);
                         }});
    functions.push_back({"adaptive_max_pool" + suffix, 64, [](const arguments& a) {
                             if constexpr (Spatial == 1) apool::adaptive_max_pool1d(a.input, a.output, a.indices);
                             if constexpr (Spatial == 2) apool::adaptive_max_pool2d(a.input, a.output, a.indices);
                             if constexpr (Spatial == 3) apool::adaptive_max_pool3d(a.input, a.output, a.indices);
                         }});
    functions.push_back({"adaptive_max_pool" + suffix, 32, [](const arguments& a) {
                             if constexpr (Spatial == 1) apool::adaptive_max_pool1d(a.input, a.output, a.indices32);
                             if constexpr (Spatial == 2) apool::adaptive_max_pool2d(a.input, a.output, a.indices32);
                             if constexpr (Spatial == 3) apool::adaptive_max_pool3d(a.input, a.output, a.indices32);
                         }});
    functions.push_back({"adaptive_avg_pool", 0, [](const arguments& a) { apool::adaptive_avg_pool<Spatial>(a.input, a.output); }});
    functions.push_back({"adaptive_max_pool", 0, [](const arguments& a) { apool::adaptive_max_pool<Spatial>(a.input, a.output); }});
    functions.push_back({"adaptive_max_pool", 64, [](const arguments& a) {
                             apool::adaptive_max_pool<Spatial>(a.input, a.output, a.indices);
                         }});
    functions.push_back({"adaptive_max_pool", 32, [](const arguments& a) {
                             apool::adaptive_max_pool<Spatial>(a.input, a.output, a.indices32);
                         }});
    return functions;
}

/// Dense row-major views at separate places in the arena: input at byte 0,
/// output at 16 KiB, indices at 32 KiB, 32-bit indices at 48 KiB.
template <class T, std::size_t Rank>
forward_arguments<T, Rank> separate_views(arena& memory, const extents<Rank>& input_extents, const extents<Rank>& output_extents) {
    return {{memory.at<const T>(0), input_extents},
            {memory.at<T>(16384), output_extents},
            {memory.at<std::int64_t>(32768), output_extents},
            {memory.at<std::int32_t>(49152), output_extents}};
}

/// Requires every forward function for `Spatial` dims (those with indices only
/// when `indices_only`) to reject `arguments` with a message containing `parts`.
template <std::size_t Spatial, class T, std::size_t Rank>
void require_all_reject(arena& memory, const forward_arguments<T, Rank>& arguments, const std::vector<std::string>& parts,
                        bool indices_only = false) {
    for (const auto& function : forward_functions<Spatial, T, Rank>()) {
        if (indices_only && function.index_bits == 0) continue;
        INFO("index bits: " << function.index_bits);
        require_rejected(memory, function.name, parts, [&] { function.call(arguments); });
    }
}

/// Requires every forward function to accept `arguments` and write nothing.
template <std::size_t Spatial, class T, std::size_t Rank>
void require_all_accept_without_writing(arena& memory, const forward_arguments<T, Rank>& arguments) {
    for (const auto& function : forward_functions<Spatial, T, Rank>()) {
        INFO("function: " << function.name << ", index bits: " << function.index_bits);
        const std::vector<unsigned char> before = memory.bytes();
        CHECK(error_message([&] { function.call(arguments); }) == "(no error reported)");
        CHECK(memory.bytes() == before);
    }
}


/// The arguments of one backward call.
template <class T, std::size_t Rank>
struct backward_arguments {
    apool::strided_view<const T, Rank> grad_output;
    apool::strided_view<const std::int64_t, Rank> indices;
    apool::strided_view<const std::int32_t, Rank> indices32;
    apool::strided_view<T, Rank> grad_input;
};

/// One public backward entry point with one gradient_update, called on backward_arguments.
template <class T, std::size_t Rank>
struct backward_function {
    std::string name;
    int index_bits;  // 0: the avg gradient; 64 or 32: which indices the max gradient reads
    apool::gradient_update update;
    std::function<void(const backward_arguments<T, Rank>&, apool::gradient_update)> call;
};

/// Every public backward function for `Spatial` spatial dims, each with both updates.
template <std::size_t Spatial, class T, std::size_t Rank>
std::vector<backward_function<T, Rank>> backward_functions() {
    using arguments = backward_arguments<T, Rank>;
    using update = apool::gradient_update;
    const std::string named = std::to_string(Spatial) + "d_backward";
    std::vector<backward_function<T, Rank>> functions;
    for (update u : {update::overwrite, update::accumulate}) {
        functions.push_back({"adaptive_avg_pool" + named, 0, u, [](const arguments& a, update how) {
                                 if constexpr (Spatial == 1) apool::adaptive_avg_pool1d_backward(a.grad_output, a.grad_input, how);
                                 if constexpr (Spatial == 2) apool::adaptive_avg_pool2d_backward(a.grad_output, a.grad_input, how);
                                 if constexpr (Spatial == 3) apool::adaptive_avg_pool3d_backward(a.grad_output, a.grad_input, how);
                             }});
        functions.push_back({"adaptive_max_pool" + named, 64, u, [](const arguments& a, update how) {
                                 if constexpr (Spatial == 1) apool::adaptive_max_pool1d_backward(a.grad_output, a.indices, a.grad_input, how);
                                 if constexpr (Spatial == 2) apool::adaptive_max_pool2d_backward(a.grad_output, a.indices, a.grad_input, how);
                                 if constexpr (Spatial == 3) apool::adaptive_max_pool3d_backward(a.grad_output, a.indices, a.grad_input, how);
                             }});
        functions.push_back({"adaptive_max_pool" + named, 32, u, [](const arguments& a, update how) {
                                 if constexpr (Spatial == 1) apool::adaptive_max_pool1d_backward(a.grad_output, a.indices32, a.grad_input, how);
                                 if constexpr (Spatial == 2) apool::adaptive_max_pool2d_backward(a.grad_output, a.indices32, a.grad_input, how);
                                 if constexpr (Spatial == 3) apool::adaptive_max_pool3d_backward(a.grad_output, a.indices32, a.grad_input, how);
                             }});
        functions.push_back({"adaptive_avg_pool_backward", 0, u, [](const arguments& a, update how) {
                                 apool::adaptive_avg_pool_backward<Spatial>(a.grad_output, a.grad_input, how);
                             }});
        functions.push_back({"adaptive_max_pool_backward", 64, u, [](const arguments& a, update how) {
                                 apool::adaptive_max_pool_backward<Spatial>(a.grad_output, a.indices, a.grad_input, how);
                             }});
        functions.push_back({"adaptive_max_pool_backward", 32, u, [](const arguments& a, update how) {
                                 apool::adaptive_max_pool_backward<Spatial>(a.grad_output, a.indices32, a.grad_input, how);
                             }});
    }
    return functions;
}

/// Dense row-major backward views: grad_output at byte 0, indices at 16 KiB,
/// 32-bit indices at 32 KiB, grad_input at 48 KiB. Indices are zero (always
/// inside the plane) unless a test writes others.
template <class T, std::size_t Rank>
backward_arguments<T, Rank> separate_backward_views(arena& memory, const extents<Rank>& grad_output_extents,
                                                    const extents<Rank>& grad_input_extents) {
    std::fill(memory.at<unsigned char>(16384), memory.at<unsigned char>(49152), 0);
    return {{memory.at<const T>(0), grad_output_extents},
            {memory.at<const std::int64_t>(16384), grad_output_extents},
            {memory.at<const std::int32_t>(32768), grad_output_extents},
            {memory.at<T>(49152), grad_input_extents}};
}

/// Requires every backward function for `Spatial` dims (the max gradients only
/// when `indices_only`) to reject `arguments` with a message containing `parts`.
template <std::size_t Spatial, class T, std::size_t Rank>
void require_all_reject(arena& memory, const backward_arguments<T, Rank>& arguments, const std::vector<std::string>& parts,
                        bool indices_only = false) {
    for (const auto& function : backward_functions<Spatial, T, Rank>()) {
        if (indices_only && function.index_bits == 0) continue;
        INFO("index bits: " << function.index_bits << ", accumulate: " << (function.update == apool::gradient_update::accumulate));
        require_rejected(memory, function.name, parts, [&] { function.call(arguments, function.update); });
    }
}

}  // namespace

// The tests use three problem shapes, to keep the number of kernel
// instantiations (and the build time) small: one spatial dim of float with one
// leading dim (Rank 2), two of float with one leading dim (Rank 3), and three
// of double with one leading dim (Rank 4).

TEST_CASE("leading extents that differ between input and output", "[errors]") {
    arena memory;
    require_all_reject<1>(memory, separate_views<float, 2>(memory, {3, 9}, {4, 5}),
                          {"output extent 4 in dim 0 differs from input extent 3", "input extents [3, 9]", "output extents [4, 5]"});
    require_all_reject<2>(memory, separate_views<float, 3>(memory, {3, 6, 6}, {2, 3, 3}),
                          {"output extent 2 in dim 0 differs from input extent 3"});
    require_all_reject<3>(memory, separate_views<double, 4>(memory, {5, 4, 4, 4}, {6, 2, 2, 2}),
                          {"output extent 6 in dim 0 differs from input extent 5"});
}

TEST_CASE("indices whose extents differ from the output's", "[errors]") {
    arena memory;
    auto arguments = separate_views<float, 3>(memory, {3, 8, 8}, {3, 4, 4});
    arguments.indices = {memory.at<std::int64_t>(32768), {3, 4, 2}};
    arguments.indices32 = {memory.at<std::int32_t>(49152), {3, 4, 2}};
    require_all_reject<2>(memory, arguments, {"indices extents [3, 4, 2] differ from output extents [3, 4, 4]; they must be equal"}, true);
    arguments.indices = {memory.at<std::int64_t>(32768), {1, 4, 4}};
    arguments.indices32 = {memory.at<std::int32_t>(49152), {1, 4, 4}};
    require_all_reject<2>(memory, arguments, {"indices extents [1, 4, 4] differ from output extents [3, 4, 4]"}, true);
}

TEST_CASE("negative extents", "[errors]") {
    arena memory;
    SECTION("input, spatial dim") {
        require_all_reject<2>(memory, separate_views<float, 3>(memory, {2, -4, 4}, {2, 2, 2}),
                              {"input has a negative extent -4 in dim 1 (extents [2, -4, 4])"});
    }
    SECTION("input and output, leading dim") {
        require_all_reject<1>(memory, separate_views<float, 2>(memory, {-1, 4}, {-1, 2}), {"input has a negative extent -1 in dim 0"});
    }
    SECTION("output, spatial dim") {
        require_all_reject<2>(memory, separate_views<float, 3>(memory, {2, 4, 4}, {2, 2, -2}),
                              {"output has a negative extent -2 in dim 2 (extents [2, 2, -2])"});
    }
    SECTION("indices") {
        auto arguments = separate_views<float, 2>(memory, {3, 4}, {3, 2});
        arguments.indices = {memory.at<std::int64_t>(32768), {3, -2}};
        arguments.indices32 = {memory.at<std::int32_t>(49152), {3, -2}};
        require_all_reject<1>(memory, arguments, {"indices has a negative extent -2 in dim 1"}, true);
    }
}

TEST_CASE("an empty spatial dim in the input", "[errors]") {
    arena memory;
    require_all_reject<2>(memory, separate_views<float, 3>(memory, {2, 0, 5}, {2, 3, 3}),
                          {"input has an empty spatial dim 1 (extents [2, 0, 5]); adaptive pooling needs at least one element per spatial dim"});
    require_all_reject<3>(memory, separate_views<double, 4>(memory, {1, 4, 4, 0}, {1, 1, 1, 1}), {"input has an empty spatial dim 3"});
    // Even when there are no planes at all: the window rule needs a non-empty input.
    require_all_reject<1>(memory, separate_views<float, 2>(memory, {0, 0}, {0, 3}), {"input has an empty spatial dim 1"});
}

TEST_CASE("empty outputs and empty leading dims are accepted and write nothing", "[errors]") {
    arena memory;
    SECTION("an empty output spatial dim") {
        require_all_accept_without_writing<2>(memory, separate_views<float, 3>(memory, {2, 5, 5}, {2, 0, 4}));
    }
    SECTION("an empty output spatial dim, double") {
        require_all_accept_without_writing<3>(memory, separate_views<double, 4>(memory, {4, 7, 7, 7}, {4, 2, 2, 0}));
    }
    SECTION("an empty leading dim") {
        require_all_accept_without_writing<2>(memory, separate_views<float, 3>(memory, {0, 5, 5}, {0, 2, 2}));
    }
}

TEST_CASE("null data pointers", "[errors]") {
    arena memory;
    SECTION("input") {
        auto arguments = separate_views<float, 3>(memory, {2, 4, 4}, {2, 2, 2});
        arguments.input = {nullptr, {2, 4, 4}};
        require_all_reject<2>(memory, arguments, {"input has a null data pointer but 32 elements (extents [2, 4, 4])"});
    }
    SECTION("output") {
        auto arguments = separate_views<float, 3>(memory, {2, 4, 4}, {2, 2, 2});
        arguments.output = {nullptr, {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"output has a null data pointer but 8 elements"});
    }
    SECTION("indices") {
        auto arguments = separate_views<float, 2>(memory, {2, 4}, {2, 3});
        arguments.indices = {nullptr, {2, 3}};
        arguments.indices32 = {nullptr, {2, 3}};
        require_all_reject<1>(memory, arguments, {"indices has a null data pointer but 6 elements"}, true);
    }
    SECTION("null is fine where a view has no elements") {
        forward_arguments<float, 3> arguments{
            {memory.at<const float>(0), {0, 4, 4}}, {nullptr, {0, 2, 2}}, {nullptr, {0, 2, 2}}, {nullptr, {0, 2, 2}}};
        require_all_accept_without_writing<2>(memory, arguments);
    }
}

TEST_CASE("outputs whose strides make distinct elements share memory", "[errors]") {
    arena memory;
    auto arguments = separate_views<float, 3>(memory, {2, 6, 6}, {2, 3, 3});
    SECTION("a zero stride in a spatial dim") {
        arguments.output = {memory.at<float>(16384), {2, 3, 3}, {3, 1, 0}};
        require_all_reject<2>(memory, arguments,
                              {"output is written but its strides [3, 1, 0] make distinct elements share memory (extents [2, 3, 3])"});
    }
    SECTION("a zero stride in a leading dim") {
        arguments.output = {memory.at<float>(16384), {2, 3, 3}, {0, 3, 1}};
        require_all_reject<2>(memory, arguments, {"output is written but its strides [0, 3, 1]"});
    }
    SECTION("rows that overlap the next row") {
        arguments.output = {memory.at<float>(16384), {2, 3, 3}, {6, 2, 1}};
        require_all_reject<2>(memory, arguments, {"output is written but its strides [6, 2, 1]"});
    }
    SECTION("negative strides that meet") {
        arguments.output = {memory.at<float>(16384 + 64), {2, 3, 3}, {9, 1, -1}};
        require_all_reject<2>(memory, arguments, {"output is written but its strides [9, 1, -1]"});
    }
    SECTION("indices") {
        arguments.indices = {memory.at<std::int64_t>(32768), {2, 3, 3}, {9, 0, 1}};
        arguments.indices32 = {memory.at<std::int32_t>(49152), {2, 3, 3}, {9, 0, 1}};
        require_all_reject<2>(memory, arguments, {"indices is written but its strides [9, 0, 1]"}, true);
    }
}

TEST_CASE("an input with zero strides (broadcast) is accepted", "[errors]") {
    const float value[3] = {1.5f, -2.0f, 4.25f};
    const apool::strided_view<const float, 3> input(value, {3, 5, 7}, {1, 0, 0});
    std::vector<float> output(3 * 2 * 3), expected(output.size());
    std::vector<std::int64_t> indices(output.size()), expected_indices(output.size());
    apool::adaptive_max_pool2d(input, apool::strided_view<float, 3>(output.data(), {3, 2, 3}),
                               apool::strided_view<std::int64_t, 3>(indices.data(), {3, 2, 3}));
    apool_test::naive::adaptive_max_pool<2>(input, apool::strided_view<float, 3>(expected.data(), {3, 2, 3}),
                                            apool::strided_view<std::int64_t, 3>(expected_indices.data(), {3, 2, 3}));
    CHECK(output == expected);
    CHECK(indices == expected_indices);
}

TEST_CASE("outputs and indices that share memory with another argument", "[errors]") {
    arena memory;
    auto arguments = separate_views<float, 3>(memory, {2, 4, 4}, {2, 2, 2});
    SECTION("output over the input (in place)") {
        arguments.output = {memory.at<float>(0), {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"output overlaps input in memory; output must not share memory with any other argument"});
    }
    SECTION("output across the input's last bytes") {
        arguments.output = {memory.at<float>(31 * sizeof(float)), {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"output overlaps input in memory"});
    }
    SECTION("output interleaved with the input: rejected even though no element is shared") {
        arguments.input = {memory.at<const float>(0), {2, 4, 4}, {64, 8, 2}};
        arguments.output = {memory.at<float>(sizeof(float)), {2, 2, 2}, {64, 8, 2}};
        require_all_reject<2>(memory, arguments, {"output overlaps input in memory"});
    }
    SECTION("indices over the input") {
        arguments.indices = {memory.at<std::int64_t>(8), {2, 2, 2}};
        arguments.indices32 = {memory.at<std::int32_t>(8), {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"indices overlaps input in memory"}, true);
    }
    SECTION("indices over the output") {
        arguments.indices = {memory.at<std::int64_t>(16384 + 16), {2, 2, 2}};
        arguments.indices32 = {memory.at<std::int32_t>(16384 + 16), {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"indices overlaps output in memory"}, true);
    }
}

TEST_CASE("an output that ends right where the input starts is accepted", "[errors]") {
    std::vector<float> storage(40, 1.0f);
    std::fill(storage.begin(), storage.begin() + 8, 0.0f);
    const apool::strided_view<const float, 2> input(storage.data() + 8, {4, 8});
    apool::adaptive_avg_pool1d(input, apool::strided_view<float, 2>(storage.data(), {4, 2}));
    CHECK(std::vector<float>(storage.begin(), storage.begin() + 8) == std::vector<float>(8, 1.0f));
}

TEST_CASE("32-bit indices for a plane larger than 32 bits can index", "[errors]") {
    arena memory;
    // 65536 * 32769 = 2^31 + 65536 positions, from one broadcast element.
    forward_arguments<float, 3> arguments{{memory.at<const float>(0), {1, 65536, 32769}, {0, 0, 0}},
                                          {memory.at<float>(16384), {1, 1, 1}},
                                          {memory.at<std::int64_t>(32768), {1, 1, 1}},
                                          {memory.at<std::int32_t>(49152), {1, 1, 1}}};
    for (const auto& function : forward_functions<2, float, 3>()) {
        if (function.index_bits != 32) continue;
        require_rejected(memory, function.name,
                         {"indices of a 32-bit type cannot hold the flat positions of a 2147549184-element spatial plane (extents [1, 65536, "
                          "32769]); use std::int64_t indices"},
                         [&] { function.call(arguments); });
    }
}

TEST_CASE("element counts and byte spans that std::ptrdiff_t cannot hold", "[errors]") {
    arena memory;
    SECTION("input element count") {
        const std::ptrdiff_t big = std::ptrdiff_t{1} << 32;
        forward_arguments<float, 3> arguments{{memory.at<const float>(0), {big, big, 2}, {0, 0, 1}},
                                              {memory.at<float>(16384), {big, 1, 1}, {1, 1, 1}},
                                              {memory.at<std::int64_t>(32768), {1, 1, 1}},
                                              {memory.at<std::int32_t>(49152), {1, 1, 1}}};
        require_all_reject<2>(memory, arguments,
                              {"input has more elements than std::ptrdiff_t can count (extents [4294967296, 4294967296, 2])"});
    }
    SECTION("output element count") {
        forward_arguments<float, 3> arguments{{memory.at<const float>(0), {4, 4, 4}},
                                              {memory.at<float>(16384), {4, ptrdiff_max, 2}},
                                              {memory.at<std::int64_t>(32768), {4, 4, 4}},
                                              {memory.at<std::int32_t>(49152), {4, 4, 4}}};
        require_all_reject<2>(memory, arguments, {"output has more elements than std::ptrdiff_t can count"});
    }
    SECTION("input span: a stride too large") {
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {2, 3}, {ptrdiff_max / 2, 1}},
                                              {memory.at<float>(16384), {2, 2}},
                                              {memory.at<std::int64_t>(32768), {2, 2}},
                                              {memory.at<std::int32_t>(49152), {2, 2}}};
        require_all_reject<1>(memory, arguments,
                              {"input spans more bytes than std::ptrdiff_t can address (extents [2, 3], strides [4611686018427387903, 1])"});
    }
    SECTION("input span: the smallest stride, negative") {
        forward_arguments<double, 4> arguments{
            {memory.at<const double>(0), {2, 3, 3, 3}, {std::numeric_limits<std::ptrdiff_t>::min(), 9, 3, 1}},
            {memory.at<double>(16384), {2, 2, 2, 2}},
            {memory.at<std::int64_t>(32768), {2, 2, 2, 2}},
            {memory.at<std::int32_t>(49152), {2, 2, 2, 2}}};
        require_all_reject<3>(memory, arguments, {"input spans more bytes than std::ptrdiff_t can address"});
    }
    SECTION("output span: the element count fits but the bytes do not") {
        // 2^62 floats are 2^64 bytes.
        const std::ptrdiff_t count = std::ptrdiff_t{1} << 62;
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {1, 8}},
                                              {memory.at<float>(16384), {1, count}},
                                              {memory.at<std::int64_t>(32768), {1, count}},
                                              {memory.at<std::int32_t>(49152), {1, count}}};
        require_all_reject<1>(memory, arguments, {"output spans more bytes than std::ptrdiff_t can address (extents [1, 4611686018427387904]"});
    }
    SECTION("indices span") {
        const std::ptrdiff_t stride = std::ptrdiff_t{1} << 61;
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {1, 8}},
                                              {memory.at<float>(16384), {1, 2}},
                                              {memory.at<std::int64_t>(32768), {1, 2}, {1, stride}},
                                              {memory.at<std::int32_t>(49152), {1, 2}, {1, 2 * stride}}};
        require_all_reject<1>(memory, arguments, {"indices spans more bytes than std::ptrdiff_t can address"}, true);
    }
    SECTION("the window rule: input extent times output extent") {
        // A broadcast input of 2^62 positions pooled to 2 outputs: 2^62 * 3 overflows.
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {1, std::ptrdiff_t{1} << 62}, {0, 0}},
                                              {memory.at<float>(16384), {1, 2}},
                                              {memory.at<std::int64_t>(32768), {1, 2}},
                                              {memory.at<std::int32_t>(49152), {1, 2}}};
        require_all_reject<1>(memory, arguments,
                              {"input extent 4611686018427387904 times output extent 2 in dim 1 overflows std::ptrdiff_t, which the window rule "
                               "needs"});
    }
}

TEST_CASE("views without elements but with extreme extents or strides", "[errors]") {
    // Nothing may be read or written here; what matters as well is that the
    // checks decide without overflowing themselves, which the sanitizer build
    // (-fsanitize=undefined) traps.
    arena memory;
    SECTION("an output extent of PTRDIFF_MAX beside an empty leading dim") {
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {0, 4}},
                                              {memory.at<float>(16384), {0, ptrdiff_max}},
                                              {memory.at<std::int64_t>(32768), {0, ptrdiff_max}},
                                              {memory.at<std::int32_t>(49152), {0, ptrdiff_max}}};
        require_all_reject<1>(memory, arguments, {"input extent 4 times output extent 9223372036854775807 in dim 1 overflows std::ptrdiff_t"});
    }
    SECTION("strides whose reach overflows, in an empty output") {
        const std::ptrdiff_t big = std::ptrdiff_t{1} << 40;
        forward_arguments<float, 3> arguments{{memory.at<const float>(0), {0, 4, 4}},
                                              {memory.at<float>(16384), {0, big, big}, {1, big, 1}},
                                              {memory.at<std::int64_t>(32768), {0, big, big}, {1, big, 1}},
                                              {memory.at<std::int32_t>(49152), {0, big, big}, {1, big, 1}}};
        for (const auto& function : forward_functions<2, float, 3>()) {
            const std::vector<unsigned char> before = memory.bytes();
            const std::string message = error_message([&] { function.call(arguments); });
            INFO("function: " << function.name << "\nmessage: " << message);
            CHECK(memory.bytes() == before);
        }
    }
    SECTION("the smallest stride, in an empty output") {
        forward_arguments<float, 2> arguments{{memory.at<const float>(0), {0, 4}},
                                              {memory.at<float>(16384), {0, 3}, {1, std::numeric_limits<std::ptrdiff_t>::min()}},
                                              {memory.at<std::int64_t>(32768), {0, 3}, {1, std::numeric_limits<std::ptrdiff_t>::min()}},
                                              {memory.at<std::int32_t>(49152), {0, 3}, {1, std::numeric_limits<std::ptrdiff_t>::min()}}};
        for (const auto& function : forward_functions<1, float, 2>()) {
            const std::vector<unsigned char> before = memory.bytes();
            const std::string message = error_message([&] { function.call(arguments); });
            INFO("function: " << function.name << "\nmessage: " << message);
            CHECK(memory.bytes() == before);
        }
    }
}

TEST_CASE("backward: leading extents that differ between grad_output and grad_input", "[errors][backward]") {
    arena memory;
    require_all_reject<1>(memory, separate_backward_views<float, 2>(memory, {4, 5}, {3, 9}),
                          {"grad_output extent 4 in dim 0 differs from grad_input extent 3", "grad_input extents [3, 9]",
                           "grad_output extents [4, 5]"});
    require_all_reject<2>(memory, separate_backward_views<float, 3>(memory, {3, 2, 2}, {2, 6, 6}),
                          {"grad_output extent 3 in dim 0 differs from grad_input extent 2"});
    require_all_reject<3>(memory, separate_backward_views<double, 4>(memory, {6, 2, 2, 2}, {5, 4, 4, 4}),
                          {"grad_output extent 6 in dim 0 differs from grad_input extent 5"});
}

TEST_CASE("backward: indices whose extents differ from grad_output's", "[errors][backward]") {
    arena memory;
    auto arguments = separate_backward_views<float, 3>(memory, {3, 2, 2}, {3, 6, 6});
    arguments.indices = {memory.at<const std::int64_t>(16384), {3, 2, 1}};
    arguments.indices32 = {memory.at<const std::int32_t>(32768), {3, 2, 1}};
    require_all_reject<2>(memory, arguments, {"indices extents [3, 2, 1] differ from grad_output extents [3, 2, 2]; they must be equal"},
                          true);
}

TEST_CASE("backward: negative extents", "[errors][backward]") {
    arena memory;
    SECTION("grad_output") {
        require_all_reject<2>(memory, separate_backward_views<float, 3>(memory, {2, -2, 2}, {2, 4, 4}),
                              {"grad_output has a negative extent -2 in dim 1 (extents [2, -2, 2])"});
    }
    SECTION("grad_input") {
        require_all_reject<2>(memory, separate_backward_views<float, 3>(memory, {2, 2, 2}, {2, 4, -4}),
                              {"grad_input has a negative extent -4 in dim 2 (extents [2, 4, -4])"});
    }
    SECTION("indices") {
        auto arguments = separate_backward_views<float, 2>(memory, {3, 2}, {3, 4});
        arguments.indices = {memory.at<const std::int64_t>(16384), {-3, 2}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {-3, 2}};
        require_all_reject<1>(memory, arguments, {"indices has a negative extent -3 in dim 0"}, true);
    }
}

TEST_CASE("backward: an empty spatial dim in grad_input", "[errors][backward]") {
    arena memory;
    require_all_reject<2>(memory, separate_backward_views<float, 3>(memory, {2, 2, 2}, {2, 0, 4}),
                          {"grad_input has an empty spatial dim 1 (extents [2, 0, 4])"});
    require_all_reject<3>(memory, separate_backward_views<double, 4>(memory, {0, 1, 1, 1}, {0, 3, 0, 3}),
                          {"grad_input has an empty spatial dim 2"});
}

TEST_CASE("backward: null data pointers", "[errors][backward]") {
    arena memory;
    auto arguments = separate_backward_views<float, 3>(memory, {2, 2, 2}, {2, 4, 4});
    SECTION("grad_output") {
        arguments.grad_output = {nullptr, {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"grad_output has a null data pointer but 8 elements (extents [2, 2, 2])"});
    }
    SECTION("grad_input") {
        arguments.grad_input = {nullptr, {2, 4, 4}};
        require_all_reject<2>(memory, arguments, {"grad_input has a null data pointer but 32 elements"});
    }
    SECTION("indices") {
        arguments.indices = {nullptr, {2, 2, 2}};
        arguments.indices32 = {nullptr, {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"indices has a null data pointer but 8 elements"}, true);
    }
}

TEST_CASE("backward: a grad_input whose strides make distinct elements share memory", "[errors][backward]") {
    arena memory;
    auto arguments = separate_backward_views<float, 3>(memory, {2, 2, 2}, {2, 4, 4});
    SECTION("a zero stride") {
        arguments.grad_input = {memory.at<float>(49152), {2, 4, 4}, {16, 0, 1}};
        require_all_reject<2>(memory, arguments,
                              {"grad_input is written but its strides [16, 0, 1] make distinct elements share memory (extents [2, 4, 4])"});
    }
    SECTION("overlapping rows") {
        arguments.grad_input = {memory.at<float>(49152), {2, 4, 4}, {16, 3, 1}};
        require_all_reject<2>(memory, arguments, {"grad_input is written but its strides [16, 3, 1]"});
    }
}

TEST_CASE("backward: a grad_input that shares memory with grad_output or indices", "[errors][backward]") {
    arena memory;
    auto arguments = separate_backward_views<float, 3>(memory, {2, 2, 2}, {2, 4, 4});
    SECTION("grad_output inside grad_input") {
        arguments.grad_output = {memory.at<const float>(49152 + 16), {2, 2, 2}};
        require_all_reject<2>(memory, arguments,
                              {"grad_input overlaps grad_output in memory; grad_input must not share memory with any other argument"});
    }
    SECTION("indices inside grad_input") {
        arguments.indices = {memory.at<const std::int64_t>(49152 + 8), {2, 2, 2}};
        arguments.indices32 = {memory.at<const std::int32_t>(49152 + 8), {2, 2, 2}};
        require_all_reject<2>(memory, arguments, {"grad_input overlaps indices in memory"}, true);
    }
}

TEST_CASE("backward: indices outside the input plane", "[errors][backward]") {
    arena memory;
    // grad_input planes are 4 x 5 = 20 elements; grad_output is 2 x (2 x 3).
    auto arguments = separate_backward_views<float, 3>(memory, {2, 2, 3}, {2, 4, 5});
    std::int64_t* indices = memory.at<std::int64_t>(16384);
    std::int32_t* indices32 = memory.at<std::int32_t>(32768);
    for (int k = 0; k < 12; ++k) {
        indices[k] = k;
        indices32[k] = k;
    }
    SECTION("one past the plane") {
        indices[7] = 20;
        indices32[7] = 20;
        require_all_reject<2>(memory, arguments,
                              {"indices[1, 0, 1] is 20, outside the input plane of 20 elements (indices extents [2, 2, 3])"}, true);
    }
    SECTION("negative") {
        indices[11] = -1;
        indices32[11] = -1;
        require_all_reject<2>(memory, arguments, {"indices[1, 1, 2] is -1, outside the input plane of 20 elements"}, true);
    }
    SECTION("the extremes of the index type") {
        indices[0] = std::numeric_limits<std::int64_t>::max();
        indices32[0] = std::numeric_limits<std::int32_t>::min();
        for (const auto& function : backward_functions<2, float, 3>()) {
            if (function.index_bits == 0) continue;
            const std::string value = function.index_bits == 64 ? "9223372036854775807" : "-2147483648";
            require_rejected(memory, function.name, {"indices[0, 0, 0] is " + value + ", outside the input plane of 20 elements"},
                             [&] { function.call(arguments, function.update); });
        }
    }
    SECTION("in a strided view: the position named is the logical one") {
        // Indices every other element: logical [1, 1, 0] is memory element 2 * 9.
        arguments.indices = {memory.at<const std::int64_t>(16384), {2, 2, 3}, {12, 6, 2}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {2, 2, 3}, {12, 6, 2}};
        for (int k = 0; k < 24; ++k) {
            indices[k] = 0;
            indices32[k] = 0;
        }
        indices[18] = 25;
        indices32[18] = 25;
        require_all_reject<2>(memory, arguments, {"indices[1, 1, 0] is 25, outside the input plane of 20 elements"}, true);
    }
    SECTION("in channels-last memory: the check reads by memory, the message names the logical position") {
        // Channels innermost: logical [c, h, w] is memory element c + 6 h + 2 w.
        arguments.indices = {memory.at<const std::int64_t>(16384), {2, 2, 3}, {1, 6, 2}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {2, 2, 3}, {1, 6, 2}};
        for (const int at : {11, 0, 5}) {
            for (int k = 0; k < 12; ++k) {
                indices[k] = k == at ? 20 : 0;
                indices32[k] = k == at ? 20 : 0;
            }
            const std::string position = at == 11 ? "[1, 1, 2]" : at == 0 ? "[0, 0, 0]" : "[1, 0, 2]";
            require_all_reject<2>(memory, arguments, {"indices" + position + " is 20, outside the input plane of 20 elements"}, true);
        }
    }
    SECTION("in rows padded to 4 elements: the check reads every row, not only the last") {
        // Logical [c, h, w] is memory element 12 c + 4 h + w: four rows of three.
        arguments.indices = {memory.at<const std::int64_t>(16384), {2, 2, 3}, {12, 4, 1}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {2, 2, 3}, {12, 4, 1}};
        for (const int at : {1, 14}) {
            for (int k = 0; k < 24; ++k) {
                indices[k] = k == at ? 20 : 0;
                indices32[k] = k == at ? 20 : 0;
            }
            const std::string position = at == 1 ? "[0, 0, 1]" : "[1, 0, 2]";
            require_all_reject<2>(memory, arguments, {"indices" + position + " is 20, outside the input plane of 20 elements"}, true);
        }
    }
}

TEST_CASE("backward: element counts and byte spans that std::ptrdiff_t cannot hold", "[errors][backward]") {
    arena memory;
    SECTION("grad_input element count") {
        const std::ptrdiff_t big = std::ptrdiff_t{1} << 32;
        auto arguments = separate_backward_views<float, 3>(memory, {1, 1, 1}, {1, 1, 1});
        arguments.grad_input = {memory.at<float>(49152), {1, big, big}, {1, 1, 1}};
        require_all_reject<2>(memory, arguments,
                              {"grad_input has more elements than std::ptrdiff_t can count (extents [1, 4294967296, 4294967296])"});
    }
    SECTION("grad_output span") {
        auto arguments = separate_backward_views<float, 2>(memory, {1, 2}, {1, 4});
        arguments.grad_output = {memory.at<const float>(0), {1, 2}, {1, ptrdiff_max / 2}};
        require_all_reject<1>(memory, arguments, {"grad_output spans more bytes than std::ptrdiff_t can address"});
    }
    SECTION("indices span") {
        auto arguments = separate_backward_views<float, 2>(memory, {1, 2}, {1, 4});
        arguments.indices = {memory.at<const std::int64_t>(16384), {1, 2}, {1, std::numeric_limits<std::ptrdiff_t>::min()}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {1, 2}, {1, std::numeric_limits<std::ptrdiff_t>::min()}};
        require_all_reject<1>(memory, arguments, {"indices spans more bytes than std::ptrdiff_t can address"}, true);
    }
    SECTION("grad_input span: the element count fits but the bytes do not") {
        auto arguments = separate_backward_views<float, 2>(memory, {1, 3}, {1, 1});
        arguments.grad_input = {memory.at<float>(49152), {1, std::ptrdiff_t{1} << 62}};
        require_all_reject<1>(memory, arguments, {"grad_input spans more bytes than std::ptrdiff_t can address"});
    }
    SECTION("the window rule: a broadcast grad_output of 2^62 positions") {
        auto arguments = separate_backward_views<float, 2>(memory, {1, 1}, {1, 4});
        arguments.grad_output = {memory.at<const float>(0), {1, std::ptrdiff_t{1} << 62}, {0, 0}};
        arguments.indices = {memory.at<const std::int64_t>(16384), {1, std::ptrdiff_t{1} << 62}, {0, 0}};
        arguments.indices32 = {memory.at<const std::int32_t>(32768), {1, std::ptrdiff_t{1} << 62}, {0, 0}};
        require_all_reject<1>(memory, arguments,
                              {"extent 4 times output extent 4611686018427387904 in dim 1 overflows std::ptrdiff_t, which the window rule needs"});
    }
}

TEST_CASE("backward: views without elements but with extreme extents", "[errors][backward]") {
    // As in the forward case: the sanitizer build traps an overflow inside the checks.
    arena memory;
    SECTION("an empty grad_output with a huge grad_input plane") {
        const std::ptrdiff_t big = std::ptrdiff_t{1} << 40;
        auto arguments = separate_backward_views<float, 3>(memory, {0, 1, 1}, {0, 1, 1});
        arguments.grad_input = {memory.at<float>(49152), {0, big, big}, {1, big, 1}};
        for (const auto& function : backward_functions<2, float, 3>()) {
            const std::vector<unsigned char> before = memory.bytes();
            const std::string message = error_message([&] { function.call(arguments, function.update); });
            INFO("function: " << function.name << "\nmessage: " << message);
            CHECK(memory.bytes() == before);
        }
    }
    SECTION("a grad_output extent of PTRDIFF_MAX beside an empty leading dim") {
        auto arguments = separate_backward_views<float, 2>(memory, {0, ptrdiff_max}, {0, 4});
        require_all_reject<1>(memory, arguments, {"extent 9223372036854775807 in dim 1 overflows std::ptrdiff_t"});
    }
}

TEST_CASE("a float plane whose max index needs more than 32 bits (slow: run by hand)", "[.][slow]") {
    // 65536 identical rows (row stride 0) of 32769 columns with a NaN in column
    // 5: the last NaN in scan order wins, at flat index 65535 * 32769 + 5, past
    // INT32_MAX. Float vector lanes carry 32-bit indices, so this plane must
    // take a 64-bit path. 2^31 elements are scanned: seconds, not milliseconds.
    std::vector<float> row(32769, 1.0f);
    row[5] = std::numeric_limits<float>::quiet_NaN();
    const apool::strided_view<const float, 3> input(row.data(), {1, 65536, 32769}, {0, 0, 1});
    float output = 0.0f;
    std::int64_t index = 0;
    apool::adaptive_max_pool2d(input, apool::strided_view<float, 3>(&output, {1, 1, 1}), apool::strided_view<std::int64_t, 3>(&index, {1, 1, 1}));
    CHECK(std::isnan(output));
    CHECK(index == std::int64_t{65535} * 32769 + 5);
}
