// libFuzzer target: every apool operation on fuzzer-drawn shapes, layouts and
// values, checked against the naive reference (tests/naive_reference.hpp).
//
// From the input it draws the element type (float, double, bfloat16,
// float16, uint8, int8; the forward output either the input's type or a
// wider float), the spatial rank (1-3), 0-2
// leading dims, input and output extents (outputs larger than inputs and empty
// ones included), a layout for every view (row-major, channels-last,
// transposed or shuffled dim order; padding; negative strides; zero and
// overlapping strides in read-only views; arbitrary strides on dims of extent
// one; a misaligned start), the values
// (small integers for ties, NaN, infinities, signed zeros, denormals, wide
// magnitudes) and the operation: forward average, forward max with no, 64-bit
// or 32-bit indices, backward average, backward max with 64-bit or 32-bit
// indices, each backward overwriting or accumulating (gradients of float and
// double; the 16-bit floats' gradients are checked by tests/test_element_types.cpp).
//
// Every view lives in its own heap buffer with guard zones on both sides. The
// guards are poisoned for AddressSanitizer during the call, and afterwards
// every byte of every buffer that is not an element of a written view must be
// unchanged (guards, padding, gaps), read-only buffers entirely so.
//
// Some inputs also inject one bad argument (mismatched or negative extents, a
// self-overlapping or input-overlapping output, a null pointer, an index
// outside the plane); then the call must throw apool::invalid_argument and
// leave every byte of every buffer as it was.
//
// Half the calls (by a bit of the drawn seed) go through an executor that runs
// the tasks last to first. This file sets APOOL_PARALLEL_FROM_ELEMENTS to 1,
// so that such calls split into tasks, channel blocks and plane parts however
// small they are.
//
// Build and run: tests/fuzz/build_fuzzer.sh, tests/fuzz/run_fuzzer.sh.
#define APOOL_PARALLEL_FROM_ELEMENTS 1
#define APOOL_ELEMENTS_PER_TASK 4
#include <apool/apool.hpp>

#include <fuzzer/FuzzedDataProvider.h>
#include <sanitizer/asan_interface.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../naive_reference.hpp"

namespace {

/// Runs the tasks on the calling thread, last to first.
struct reverse_executor {
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const {
        for (std::ptrdiff_t i = count; i-- > 0;) task(i);
    }
};

/// Whether a call with this seed goes through reverse_executor.
bool through_executor(std::uint64_t seed) { return (seed >> 7) % 2 == 1; }

[[noreturn]] void report_failure(const std::string& what) {
    std::fprintf(stderr, "fuzz_pooling: %s\n", what.c_str());
    std::abort();
}

/// Bulk values come from this generator, seeded from the fuzz input, so a
/// short input can still describe a large tensor.
class random_bits {
public:
    explicit random_bits(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, bound), bound >= 1.
    std::uint64_t below(std::uint64_t bound) { return next() % bound; }

private:
    std::uint64_t state_;
};

enum class operation { avg, max_values, max_indices64, max_indices32, avg_backward, max_backward64, max_backward32 };
constexpr int operation_count = 7;

const char* operation_name(operation op) {
    switch (op) {
        case operation::avg: return "avg";
        case operation::max_values: return "max (values only)";
        case operation::max_indices64: return "max (int64 indices)";
        case operation::max_indices32: return "max (int32 indices)";
        case operation::avg_backward: return "avg backward";
        case operation::max_backward64: return "max backward (int64 indices)";
        case operation::max_backward32: return "max backward (int32 indices)";
    }
    return "?";
}

/// The one bad argument an input may inject.
enum class fault { none, leading_mismatch, negative_extent, written_view_overlaps_itself, written_view_over_read_view, null_data,
                   indices_extent_mismatch, index_outside_plane };
constexpr int fault_count = 8;

constexpr std::size_t guard_bytes = 64;
constexpr unsigned char guard_pattern = 0xCB;

/// Heap memory for one view: [guard][payload][guard], all bytes patterned.
class guarded_buffer {
public:
    explicit guarded_buffer(std::size_t payload_bytes)
        : payload_bytes_(payload_bytes), storage_(guard_bytes + payload_bytes + 2 * guard_bytes, guard_pattern) {}
    guarded_buffer(const guarded_buffer&) = delete;
    guarded_buffer& operator=(const guarded_buffer&) = delete;
    ~guarded_buffer() { unpoison(); }

    unsigned char* payload() { return storage_.data() + guard_bytes; }
    std::size_t payload_bytes() const { return payload_bytes_; }
    const std::vector<unsigned char>& bytes() const { return storage_; }

    /// Marks both guards unaddressable, so that any access traps at once. The
    /// trailing guard starts at the first 8-byte boundary after the payload
    /// (ASan's granule); the bytes in between are still checked by pattern.
    void poison() {
        ASAN_POISON_MEMORY_REGION(storage_.data(), guard_bytes);
        ASAN_POISON_MEMORY_REGION(trailing_guard(), guard_bytes);
    }
    void unpoison() {
        ASAN_UNPOISON_MEMORY_REGION(storage_.data(), guard_bytes);
        ASAN_UNPOISON_MEMORY_REGION(trailing_guard(), guard_bytes);
    }

private:
    unsigned char* trailing_guard() { return storage_.data() + guard_bytes + (payload_bytes_ + 7) / 8 * 8; }
    std::size_t payload_bytes_;
    std::vector<unsigned char> storage_;
};

/// Where a view's elements are in its buffer.
template <std::size_t Rank>
struct layout {
    std::array<std::ptrdiff_t, Rank> extents{};
    std::array<std::ptrdiff_t, Rank> strides{};
    std::ptrdiff_t origin = 0;  // element offset of multi-index 0 from the payload start
    std::ptrdiff_t span = 0;    // payload size in elements

    std::ptrdiff_t count() const {
        std::ptrdiff_t result = 1;
        for (std::ptrdiff_t e : extents) result *= e;
        return result;
    }
};

/// Calls f(dense index, element offset from origin) for every element in row-major order.
template <std::size_t Rank, class F>
void for_each_element(const layout<Rank>& l, F&& f) {
    std::ptrdiff_t dense = 0;
    apool_test::naive::for_each_multi_index(l.extents, [&](const std::array<std::ptrdiff_t, Rank>& index) {
        std::ptrdiff_t offset = 0;
        for (std::size_t d = 0; d < Rank; ++d) offset += index[d] * l.strides[d];
        f(dense++, offset);
    });
}

/// Draws a layout for the given extents. Read-only views may also get zero
/// strides (broadcast) and strides that make elements share memory.
template <std::size_t Rank>
layout<Rank> draw_layout(FuzzedDataProvider& input, const std::array<std::ptrdiff_t, Rank>& extents, std::size_t leading, bool read_only) {
    layout<Rank> result;
    result.extents = extents;
    std::array<std::size_t, Rank> order{};  // order[0] outermost in memory, order[Rank - 1] innermost
    for (std::size_t d = 0; d < Rank; ++d) order[d] = d;
    switch (input.ConsumeIntegralInRange<int>(0, 4)) {
        case 1:  // channels-last: the last leading dim innermost
            if (leading > 0) std::rotate(order.begin() + static_cast<std::ptrdiff_t>(leading) - 1, order.begin() + static_cast<std::ptrdiff_t>(leading), order.end());
            break;
        case 2:  // transposed
            std::reverse(order.begin(), order.end());
            break;
        case 3:  // shuffled
            for (std::size_t k = Rank; k > 1; --k) std::swap(order[k - 1], order[input.ConsumeIntegralInRange<std::size_t>(0, k - 1)]);
            break;
        default:  // row-major
            break;
    }
    std::ptrdiff_t footprint = 1;  // elements spanned by the dims inside this one
    for (std::size_t k = Rank; k-- > 0;) {
        const std::size_t dim = order[k];
        const std::ptrdiff_t extent = extents[dim];
        std::ptrdiff_t stride = footprint;
        switch (input.ConsumeIntegralInRange<int>(0, 9)) {
            case 0:
                stride = footprint + input.ConsumeIntegralInRange<std::ptrdiff_t>(1, 5);  // padded
                break;
            case 1:
                if (read_only) stride = 0;  // broadcast
                break;
            case 2:
                if (read_only) stride = std::max<std::ptrdiff_t>(1, footprint / 2);  // overlapping
                break;
            case 3:
                stride = -stride;  // reversed
                break;
            case 4:
                // A dim of one element is never stepped along: any stride is legal.
                if (extent == 1) stride = input.PickValueInArray<std::ptrdiff_t>({0, -1, 7, std::ptrdiff_t{1} << 40, -(std::ptrdiff_t{1} << 50)});
                break;
            default:
                break;
        }
        result.strides[dim] = stride;
        const std::ptrdiff_t magnitude = stride < 0 ? -stride : stride;
        if (extent > 0) footprint = std::max(footprint, magnitude * (extent - 1) + footprint);
    }
    const std::ptrdiff_t misalignment = input.ConsumeIntegralInRange<std::ptrdiff_t>(0, 3);
    if (result.count() == 0) {
        result.origin = misalignment;
        result.span = misalignment;
        return result;
    }
    std::ptrdiff_t lowest = 0, highest = 0;
    for (std::size_t d = 0; d < Rank; ++d) {
        const std::ptrdiff_t reach = result.strides[d] * (extents[d] - 1);
        if (reach < 0) lowest += reach;
        else highest += reach;
    }
    result.origin = misalignment - lowest;
    result.span = misalignment + highest - lowest + 1;
    return result;
}

/// A buffer for a layout, and the view of it.
template <class T, std::size_t Rank>
struct placed_view {
    layout<Rank> where;
    guarded_buffer buffer;

    explicit placed_view(const layout<Rank>& l) : where(l), buffer(static_cast<std::size_t>(l.span) * sizeof(T)) {}

    T* origin() { return reinterpret_cast<T*>(buffer.payload()) + where.origin; }
    apool::strided_view<T, Rank> view() { return {origin(), where.extents, where.strides}; }
    apool::strided_view<const T, Rank> const_view() { return {origin(), where.extents, where.strides}; }

    /// Fills every byte that is not an element with `gap` (read-only views get a
    /// NaN there, so that a read outside the view changes a result).
    void fill_gaps(const T& gap) {
        T* payload = reinterpret_cast<T*>(buffer.payload());
        for (std::ptrdiff_t i = 0; i < where.span; ++i) payload[i] = gap;
    }
    std::vector<T> dense() {
        std::vector<T> values(static_cast<std::size_t>(where.count()));
        T* at = origin();
        for_each_element(where, [&](std::ptrdiff_t dense_index, std::ptrdiff_t offset) { values[static_cast<std::size_t>(dense_index)] = at[offset]; });
        return values;
    }
    /// Which payload bytes belong to some element.
    std::vector<bool> element_bytes() {
        std::vector<bool> mask(buffer.payload_bytes(), false);
        for_each_element(where, [&](std::ptrdiff_t, std::ptrdiff_t offset) {
            const std::size_t first = static_cast<std::size_t>(where.origin + offset) * sizeof(T);
            for (std::size_t b = 0; b < sizeof(T); ++b) mask[first + b] = true;
        });
        return mask;
    }
};

template <class T>
T draw_value(random_bits& bits, int palette) {
    using limits = std::numeric_limits<T>;
    // Finite magnitudes stay below 2^60 so that no window sum can overflow T
    // in one summation order and not in another.
    const T large = std::ldexp(T(1), 60);
    const std::uint64_t pick = bits.below(100);
    switch (palette) {
        case 0:  // small integers: many ties
            return static_cast<T>(static_cast<int>(bits.below(5)) - 2);
        case 1:  // specials mixed with small values
            switch (pick % 12) {
                case 0: return limits::quiet_NaN();
                case 1: return limits::infinity();
                case 2: return -limits::infinity();
                case 3: return T(-0.0);
                case 4: return T(0);
                case 5: return limits::denorm_min();
                case 6: return -limits::denorm_min() * T(3);
                case 7: return limits::min();
                case 8: return large;
                case 9: return -large;
                default: return static_cast<T>(static_cast<int>(bits.below(7)) - 3) / T(4);
            }
        case 2: {  // wide range of magnitudes and signs
            const T mantissa = static_cast<T>(bits.below(1u << 20)) / static_cast<T>(1u << 20);
            const int exponent = static_cast<int>(bits.below(120)) - 60;
            return (pick % 2 == 0 ? T(1) : T(-1)) * std::ldexp(T(1) + mantissa, exponent);
        }
        default: {  // denormals and tiny normals
            const T scale = limits::denorm_min() * static_cast<T>(bits.below(1000) + 1);
            if (pick < 5) return limits::quiet_NaN();
            return pick % 2 == 0 ? scale : -scale;
        }
    }
}

/// Values of the other element types, from the same palettes: the 16-bit
/// floats round a drawn float (wide magnitudes overflow float16 to infinity),
/// bytes are small numbers (ties), the extremes, or any.
template <class T>
T draw_element(random_bits& bits, int palette) {
    if constexpr (std::is_integral<T>::value) {
        using limits = std::numeric_limits<T>;
        switch (palette) {
            case 0: return static_cast<T>(static_cast<int>(bits.below(3)));
            case 1: return bits.below(2) == 0 ? limits::lowest() : limits::max();
            default: return static_cast<T>(static_cast<int>(limits::lowest()) + static_cast<int>(bits.below(256)));
        }
    } else {
        return T(draw_value<float>(bits, palette));
    }
}

template <class T>
T gap_value() {
    // A NaN with a payload of its own: a read outside a view shows up in the result.
    if constexpr (std::is_same<T, float>::value) {
        const std::uint32_t bits = 0x7fc0beefu;
        T value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    } else if constexpr (std::is_same<T, apool::bfloat16>::value) {
        return T::from_bits(0x7fbe);
    } else if constexpr (std::is_same<T, apool::float16>::value) {
        return T::from_bits(0x7ebe);
    } else if constexpr (std::is_integral<T>::value) {
        return std::numeric_limits<T>::max();  // a byte has no NaN: the largest value shows in most results
    } else {
        const std::uint64_t bits = 0x7ff8beefbeefbeefull;
        T value;
        std::memcpy(&value, &bits, sizeof value);
        return value;
    }
}

template <class T>
T draw_any(random_bits& bits, int palette) {
    if constexpr (std::is_same<T, float>::value || std::is_same<T, double>::value) {
        return draw_value<T>(bits, palette);
    } else {
        return draw_element<T>(bits, palette);
    }
}

template <class T, std::size_t Rank>
void fill_values(placed_view<T, Rank>& target, random_bits& bits, int palette) {
    T* at = target.origin();
    for_each_element(target.where, [&](std::ptrdiff_t, std::ptrdiff_t offset) { at[offset] = draw_any<T>(bits, palette); });
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Whether a value (of any element type apool takes, or an index) is a NaN.
template <class T>
bool is_nan_value(T value) {
    if constexpr (std::is_integral<T>::value) {
        return false;
    } else {
        return std::isnan(apool_test::naive::value_of(value));
    }
}

/// A value for a failure's message.
template <class T>
std::string text_of(T value) {
    return std::to_string(apool_test::naive::value_of(value));
}

/// An average of the other element types against the reference's (which
/// sums in double): bytes into bytes exactly; a 16-bit result the same bits,
/// the neighbouring value, or within the rounding of a float sum; a float or
/// double result within close_enough's bound for float sums.
template <class Out>
bool element_average_close(Out actual, Out expected, double magnitude, double terms) {
    const double got = apool_test::naive::value_of(actual), want = apool_test::naive::value_of(expected);
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    if (!std::isfinite(got)) return false;
    if constexpr (std::is_integral<Out>::value) {
        return actual == expected;
    } else if constexpr (std::is_same<Out, apool::bfloat16>::value || std::is_same<Out, apool::float16>::value) {
        const int apart = static_cast<int>(actual.bits() & 0x7fff) - static_cast<int>(expected.bits() & 0x7fff);
        const bool neighbours = (actual.bits() >> 15) == (expected.bits() >> 15) && apart >= -1 && apart <= 1;
        return neighbours || std::fabs(got - want) <= terms * (std::numeric_limits<float>::epsilon() * magnitude + 1e-45);
    } else {
        return std::fabs(got - want) <= terms * (std::numeric_limits<float>::epsilon() * magnitude + 1e-45);
    }
}

/// |actual - expected| within `terms` roundings of `magnitude`, where
/// `magnitude` bounds the sum of the absolute values that were combined.
template <class T>
bool close_enough(T actual, T expected, double magnitude, double terms) {
    if (std::isnan(expected)) return std::isnan(actual);
    if (std::isinf(expected)) return actual == expected;
    if (!std::isfinite(actual)) return false;
    const double epsilon = std::numeric_limits<T>::epsilon();
    const double tolerance = terms * (epsilon * magnitude + static_cast<double>(std::numeric_limits<T>::denorm_min()));
    return std::fabs(static_cast<double>(actual) - static_cast<double>(expected)) <= tolerance;
}

/// Everything one fuzz input describes, for the failure report.
struct description {
    std::string text;
    template <class... Values>
    void add(const char* name, const Values&... values) {
        text += name;
        text += "=";
        ((text += std::to_string(values) + " "), ...);
    }
    template <std::size_t Rank>
    void add_layout(const char* name, const layout<Rank>& l) {
        text += std::string(name) + ": extents [";
        for (std::ptrdiff_t e : l.extents) text += std::to_string(e) + " ";
        text += "] strides [";
        for (std::ptrdiff_t s : l.strides) text += std::to_string(s) + " ";
        text += "] origin " + std::to_string(l.origin) + " span " + std::to_string(l.span) + "\n";
    }
};

/// The views of one call: `read` are read-only, `written` are written.
struct call_buffers {
    std::vector<guarded_buffer*> read;
    std::vector<guarded_buffer*> written;
    std::vector<std::vector<bool>> written_element_bytes;
};

/// Runs `call`. With `expect_error`, requires an apool::invalid_argument and
/// no byte changed anywhere. Otherwise requires no error, read-only buffers
/// unchanged and, in written buffers, every byte outside the elements unchanged.
template <class Call>
void run_checked(const call_buffers& buffers, bool expect_error, const description& about, Call&& call) {
    std::vector<std::vector<unsigned char>> read_before, written_before;
    for (guarded_buffer* b : buffers.read) read_before.push_back(b->bytes());
    for (guarded_buffer* b : buffers.written) written_before.push_back(b->bytes());
    for (guarded_buffer* b : buffers.read) b->poison();
    for (guarded_buffer* b : buffers.written) b->poison();
    std::string error;
    try {
        call();
    } catch (const apool::invalid_argument& e) {
        error = e.what();
        if (error.empty()) error = "(empty message)";
    }
    for (guarded_buffer* b : buffers.read) b->unpoison();
    for (guarded_buffer* b : buffers.written) b->unpoison();

    if (expect_error && error.empty()) report_failure("a bad argument was accepted\n" + about.text);
    if (!expect_error && !error.empty()) report_failure("good arguments were rejected: " + error + "\n" + about.text);
    if (expect_error && error.rfind("apool::", 0) != 0) report_failure("error message without the function name: " + error);
    for (std::size_t k = 0; k < buffers.read.size(); ++k) {
        if (buffers.read[k]->bytes() != read_before[k]) report_failure("a read-only buffer changed\n" + about.text);
    }
    for (std::size_t k = 0; k < buffers.written.size(); ++k) {
        const auto& now = buffers.written[k]->bytes();
        const auto& before = written_before[k];
        const auto& elements = buffers.written_element_bytes[k];
        for (std::size_t i = 0; i < now.size(); ++i) {
            const bool inside_payload = i >= guard_bytes && i - guard_bytes < elements.size();
            const bool may_change = !expect_error && inside_payload && elements[i - guard_bytes];
            if (!may_change && now[i] != before[i]) {
                report_failure("byte " + std::to_string(i) + " of a written buffer (guard " + std::to_string(guard_bytes) +
                               ") changed outside the view's elements\n" + about.text);
            }
        }
    }
}

/// Extents of one problem: leading dims shared, spatial dims in and out.
template <std::size_t Spatial, std::size_t Leading>
struct problem_shape {
    static constexpr std::size_t rank = Spatial + Leading;
    std::array<std::ptrdiff_t, rank> in{};
    std::array<std::ptrdiff_t, rank> out{};
};

template <std::size_t Spatial, std::size_t Leading>
bool draw_shape(FuzzedDataProvider& input, problem_shape<Spatial, Leading>& shape) {
    const bool large = input.ConsumeIntegralInRange<int>(0, 15) == 0;
    // A 1-d row up to 2100 long exceeds the kernels' 1024-element row buffer.
    const std::ptrdiff_t largest_in = !large ? 12 : Spatial == 1 ? 2100 : Spatial == 2 ? 70 : 20;
    for (std::size_t d = 0; d < Leading; ++d) shape.in[d] = shape.out[d] = input.ConsumeIntegralInRange<std::ptrdiff_t>(0, 5);
    for (std::size_t d = Leading; d < Leading + Spatial; ++d) {
        const std::ptrdiff_t in = input.ConsumeIntegralInRange<std::ptrdiff_t>(1, largest_in);
        shape.in[d] = in;
        // Mostly at most the input, sometimes larger, now and then empty.
        switch (input.ConsumeIntegralInRange<int>(0, 7)) {
            case 0: shape.out[d] = input.ConsumeIntegralInRange<std::ptrdiff_t>(in, 2 * in + 3); break;
            case 1: shape.out[d] = input.ConsumeIntegralInRange<int>(0, 15) == 0 ? 0 : 1; break;
            default: shape.out[d] = input.ConsumeIntegralInRange<std::ptrdiff_t>(1, in); break;
        }
    }
    std::ptrdiff_t in_count = 1, out_count = 1;
    for (std::size_t d = 0; d < shape.rank; ++d) {
        in_count *= shape.in[d];
        out_count *= shape.out[d];
    }
    return in_count <= (1 << 16) && out_count <= (1 << 16);
}

/// The calls with several results on the input of a good forward case, each
/// against the separate calls byte for byte: avg and max together (with
/// indices), and a pyramid of two output sizes (out_extents, and 1 to 3 in
/// each spatial dim), average and max (with indices and without); dense
/// outputs.
template <class Out, std::size_t Spatial, class T, std::size_t Rank>
void check_several(const apool::strided_view<const T, Rank>& in_view, const std::array<std::ptrdiff_t, Rank>& out_extents,
                   std::uint64_t seed, const description& about) {
    std::array<std::array<std::ptrdiff_t, Rank>, 2> levels{out_extents, out_extents};
    for (std::size_t d = Rank - Spatial; d < Rank; ++d) levels[1][d] = 1 + (out_extents[d] + static_cast<std::ptrdiff_t>(seed >> 9)) % 3;
    auto count_of = [](const std::array<std::ptrdiff_t, Rank>& extents) {
        std::size_t count = 1;
        for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
        return count;
    };
    // Byte for byte, but for a NaN average's sign and payload: a sum over
    // NaNs returns one of them, and compilers order an addition's operands
    // freely, so that another instantiation of the same order of adds may
    // return the other.
    auto same = [&](const char* what, const auto& got, const auto& expected) {
        bool agree = got.size() == expected.size();
        for (std::size_t i = 0; agree && i < got.size(); ++i) {
            agree = same_bits(got[i], expected[i]) || (is_nan_value(got[i]) && is_nan_value(expected[i]));
        }
        if (!agree) report_failure(std::string(what) + " differs from the separate calls\n" + about.text);
    };
    std::array<std::vector<Out>, 2> avg, max, avg_alone, max_alone;
    std::array<std::vector<std::int64_t>, 2> index, index_alone;
    std::array<apool::strided_view<Out, Rank>, 2> avg_views, max_views;
    std::array<apool::strided_view<std::int64_t, Rank>, 2> index_views;
    for (std::size_t k = 0; k < 2; ++k) {
        const std::size_t count = count_of(levels[k]);
        avg[k].assign(count, Out(0));
        max[k].assign(count, Out(0));
        avg_alone[k].assign(count, Out(0));
        max_alone[k].assign(count, Out(0));
        index[k].assign(count, -1);
        index_alone[k].assign(count, -1);
        avg_views[k] = {avg[k].data(), levels[k]};
        max_views[k] = {max[k].data(), levels[k]};
        index_views[k] = {index[k].data(), levels[k]};
        apool::adaptive_avg_pool<Spatial>(in_view, apool::strided_view<Out, Rank>(avg_alone[k].data(), levels[k]));
        apool::adaptive_max_pool<Spatial>(in_view, apool::strided_view<Out, Rank>(max_alone[k].data(), levels[k]),
                                          apool::strided_view<std::int64_t, Rank>(index_alone[k].data(), levels[k]));
    }
    if (through_executor(seed)) {
        apool::adaptive_avg_max_pool<Spatial>(in_view, avg_views[0], max_views[0], index_views[0], reverse_executor{});
    } else {
        apool::adaptive_avg_max_pool<Spatial>(in_view, avg_views[0], max_views[0], index_views[0]);
    }
    same("avg_max's average", avg[0], avg_alone[0]);
    same("avg_max's max", max[0], max_alone[0]);
    same("avg_max's indices", index[0], index_alone[0]);
    if (through_executor(seed)) {
        apool::adaptive_avg_pool_pyramid<Spatial>(in_view, avg_views, reverse_executor{});
        apool::adaptive_max_pool_pyramid<Spatial>(in_view, max_views, index_views, reverse_executor{});
    } else {
        apool::adaptive_avg_pool_pyramid<Spatial>(in_view, avg_views);
        apool::adaptive_max_pool_pyramid<Spatial>(in_view, max_views, index_views);
    }
    for (std::size_t k = 0; k < 2; ++k) {
        same("an average pyramid's level", avg[k], avg_alone[k]);
        same("a max pyramid's level", max[k], max_alone[k]);
        same("a max pyramid's indices", index[k], index_alone[k]);
        std::fill(max[k].begin(), max[k].end(), Out(0));
    }
    // Without indices: a level taken from a finer one's values alone.
    if (through_executor(seed)) {
        apool::adaptive_max_pool_pyramid<Spatial>(in_view, max_views, reverse_executor{});
    } else {
        apool::adaptive_max_pool_pyramid<Spatial>(in_view, max_views);
    }
    for (std::size_t k = 0; k < 2; ++k) same("a max pyramid's level without indices", max[k], max_alone[k]);
}

template <class T, class Out, std::size_t Spatial, std::size_t Leading>
void fuzz_forward(FuzzedDataProvider& input, operation op, const problem_shape<Spatial, Leading>& shape, fault injected,
                  description& about) {
    constexpr bool float_pair = std::is_same<T, Out>::value && (std::is_same<T, float>::value || std::is_same<T, double>::value);
    constexpr std::size_t rank = Spatial + Leading;
    const std::uint64_t seed = input.ConsumeIntegral<std::uint64_t>();
    const int palette = input.ConsumeIntegralInRange<int>(0, 3);
    random_bits bits(seed);

    auto in_extents = shape.in;
    auto out_extents = shape.out;
    auto index_extents = shape.out;
    switch (injected) {
        case fault::leading_mismatch:
            if (Leading == 0) return;
            out_extents[0] += 1;
            index_extents[0] += 1;
            break;
        case fault::negative_extent: out_extents[rank - 1] = -1 - out_extents[rank - 1]; break;
        case fault::indices_extent_mismatch:
            if (op != operation::max_indices64 && op != operation::max_indices32) return;
            index_extents[rank - 1] += 1;
            break;
        default: break;
    }
    std::array<std::ptrdiff_t, rank> out_layout_extents = out_extents;
    std::array<std::ptrdiff_t, rank> index_layout_extents = index_extents;
    for (auto& e : out_layout_extents) e = std::max<std::ptrdiff_t>(e, 0);
    for (auto& e : index_layout_extents) e = std::max<std::ptrdiff_t>(e, 0);

    placed_view<T, rank> in(draw_layout(input, in_extents, Leading, true));
    placed_view<Out, rank> out(draw_layout(input, out_layout_extents, Leading, false));
    placed_view<std::int64_t, rank> indices64(draw_layout(input, index_layout_extents, Leading, false));
    placed_view<std::int32_t, rank> indices32(indices64.where);
    in.fill_gaps(gap_value<T>());
    fill_values(in, bits, palette);

    auto in_view = in.const_view();
    auto out_view = out.view();
    auto indices64_view = indices64.view();
    auto indices32_view = indices32.view();
    out_view = {out_view.data(), out_extents, out_view.strides()};
    indices64_view = {indices64_view.data(), index_extents, indices64_view.strides()};
    indices32_view = {indices32_view.data(), index_extents, indices32_view.strides()};

    const bool uses_indices = op == operation::max_indices64 || op == operation::max_indices32;
    switch (injected) {
        case fault::written_view_overlaps_itself: {
            std::size_t dim = rank;
            for (std::size_t d = 0; d < rank; ++d) {
                if (out_extents[d] > 1) dim = d;
            }
            if (dim == rank || out.where.count() == 0) return;
            auto strides = out_view.strides();
            strides[dim] = 0;
            out_view = {out_view.data(), out_extents, strides};
            break;
        }
        case fault::written_view_over_read_view:
            if (out.where.count() == 0 || in.where.count() == 0) return;
            // The output's first element on the input's first byte (where an Out can start there).
            if ((in.where.origin * static_cast<std::ptrdiff_t>(sizeof(T))) % static_cast<std::ptrdiff_t>(sizeof(Out)) != 0) return;
            out_view = {reinterpret_cast<Out*>(in.buffer.payload()) +
                            in.where.origin * static_cast<std::ptrdiff_t>(sizeof(T)) / static_cast<std::ptrdiff_t>(sizeof(Out)),
                        out_extents, out_view.strides()};
            break;
        case fault::null_data:
            if (out.where.count() == 0) return;
            out_view = {nullptr, out_extents, out_view.strides()};
            break;
        case fault::index_outside_plane: return;
        default: break;
    }
    about.add_layout("input", in.where);
    about.add_layout("output", out.where);
    if (uses_indices) about.add_layout("indices", indices64.where);

    call_buffers buffers;
    buffers.read.push_back(&in.buffer);
    buffers.written.push_back(&out.buffer);
    buffers.written_element_bytes.push_back(out.element_bytes());
    if (op == operation::max_indices64) {
        buffers.written.push_back(&indices64.buffer);
        buffers.written_element_bytes.push_back(indices64.element_bytes());
    }
    if (op == operation::max_indices32) {
        buffers.written.push_back(&indices32.buffer);
        buffers.written_element_bytes.push_back(indices32.element_bytes());
    }
    const bool expect_error = injected != fault::none;
    about.add("executor", static_cast<int>(through_executor(seed)));
    auto call = [&](auto&&... executor) {
        switch (op) {
            case operation::avg: apool::adaptive_avg_pool<Spatial>(in_view, out_view, executor...); break;
            case operation::max_values: apool::adaptive_max_pool<Spatial>(in_view, out_view, executor...); break;
            case operation::max_indices64: apool::adaptive_max_pool<Spatial>(in_view, out_view, indices64_view, executor...); break;
            default: apool::adaptive_max_pool<Spatial>(in_view, out_view, indices32_view, executor...); break;
        }
    };
    run_checked(buffers, expect_error, about, [&] {
        if (through_executor(seed)) {
            call(reverse_executor{});
        } else {
            call();
        }
    });
    if (expect_error) return;
    if (op == operation::max_indices64) check_several<Out, Spatial>(in_view, out_extents, seed, about);

    const std::vector<Out> actual = out.dense();
    std::vector<Out> expected(actual.size());
    const apool::strided_view<Out, rank> expected_view(expected.data(), out_extents);
    if constexpr (!float_pair) {
        if (op == operation::avg) {
            apool_test::naive::adaptive_avg_pool<Spatial>(in_view, expected_view);
            // The mean of |x| over each window bounds the rounding of its sum.
            std::vector<double> magnitudes_in;
            for (const T& value : in.dense()) magnitudes_in.push_back(std::fabs(apool_test::naive::value_of(value)));
            std::vector<double> magnitudes(actual.size());
            apool_test::naive::adaptive_avg_pool<Spatial>(apool::strided_view<const double, rank>(magnitudes_in.data(), in_extents),
                                                          apool::strided_view<double, rank>(magnitudes.data(), out_extents));
            double largest_window = 1;
            for (std::size_t d = Leading; d < rank; ++d) {
                largest_window *= static_cast<double>((in_extents[d] + out_extents[d] - 1) / std::max<std::ptrdiff_t>(out_extents[d], 1) + 1);
            }
            for (std::size_t i = 0; i < actual.size(); ++i) {
                if (!element_average_close(actual[i], expected[i], magnitudes[i], largest_window + 2)) {
                    report_failure("avg output " + std::to_string(i) + " is " + text_of(actual[i]) + ", the reference " +
                                   text_of(expected[i]) + "\n" + about.text);
                }
            }
            return;
        }
    } else if (op == operation::avg) {
        apool_test::naive::adaptive_avg_pool<Spatial>(in_view, expected_view);
        // The mean of |x| over each window bounds the rounding of its sum.
        std::vector<T> magnitudes_in = in.dense();
        for (T& value : magnitudes_in) value = std::fabs(value);
        std::vector<T> magnitudes(actual.size());
        apool_test::naive::adaptive_avg_pool<Spatial>(apool::strided_view<const T, rank>(magnitudes_in.data(), in_extents),
                                                      apool::strided_view<T, rank>(magnitudes.data(), out_extents));
        double largest_window = 1;
        for (std::size_t d = Leading; d < rank; ++d) {
            largest_window *= static_cast<double>((in_extents[d] + out_extents[d] - 1) / std::max<std::ptrdiff_t>(out_extents[d], 1) + 1);
        }
        for (std::size_t i = 0; i < actual.size(); ++i) {
            if (!close_enough(actual[i], expected[i], static_cast<double>(magnitudes[i]), largest_window + 2)) {
                report_failure("avg output " + std::to_string(i) + " is " + std::to_string(actual[i]) + ", the reference " +
                               std::to_string(expected[i]) + "\n" + about.text);
            }
        }
        return;
    }
    std::vector<std::int64_t> expected_indices(actual.size());
    apool_test::naive::adaptive_max_pool<Spatial>(in_view, expected_view,
                                                  apool::strided_view<std::int64_t, rank>(expected_indices.data(), out_extents));
    for (std::size_t i = 0; i < actual.size(); ++i) {
        // A NaN widened into float or double: any NaN (the staged kernels'
        // vector conversion quiets a float16 signaling NaN).
        const bool widened_nan = !std::is_same<T, Out>::value && std::isnan(apool_test::naive::value_of(expected[i])) &&
                                 std::isnan(apool_test::naive::value_of(actual[i]));
        if (!same_bits(actual[i], expected[i]) && !widened_nan) {
            report_failure("max output " + std::to_string(i) + " is " + text_of(actual[i]) + ", the reference " + text_of(expected[i]) +
                           "\n" + about.text);
        }
    }
    if (op == operation::max_indices64 || op == operation::max_indices32) {
        std::vector<std::int64_t> actual_indices(actual.size());
        if (op == operation::max_indices64) {
            actual_indices = indices64.dense();
        } else {
            const std::vector<std::int32_t> narrow = indices32.dense();
            std::copy(narrow.begin(), narrow.end(), actual_indices.begin());
        }
        if (actual_indices != expected_indices) {
            for (std::size_t i = 0; i < actual.size(); ++i) {
                if (actual_indices[i] != expected_indices[i]) {
                    report_failure("max index " + std::to_string(i) + " is " + std::to_string(actual_indices[i]) + ", the reference " +
                                   std::to_string(expected_indices[i]) + "\n" + about.text);
                }
            }
        }
    }
}

template <class T, std::size_t Spatial, std::size_t Leading>
void fuzz_backward(FuzzedDataProvider& input, operation op, const problem_shape<Spatial, Leading>& shape, fault injected,
                   description& about) {
    constexpr std::size_t rank = Spatial + Leading;
    const std::uint64_t seed = input.ConsumeIntegral<std::uint64_t>();
    const int palette = input.ConsumeIntegralInRange<int>(0, 3);
    const bool accumulate = input.ConsumeBool();
    const bool indices_from_forward = input.ConsumeBool();
    const auto update = accumulate ? apool::gradient_update::accumulate : apool::gradient_update::overwrite;
    random_bits bits(seed);
    const bool is_max = op != operation::avg_backward;

    auto grad_input_extents = shape.in;
    auto grad_output_extents = shape.out;
    auto index_extents = shape.out;
    switch (injected) {
        case fault::leading_mismatch:
            if (Leading == 0) return;
            grad_output_extents[0] += 1;
            index_extents[0] += 1;
            break;
        case fault::negative_extent: grad_input_extents[rank - 1] = -1 - grad_input_extents[rank - 1]; break;
        case fault::indices_extent_mismatch:
            if (!is_max) return;
            index_extents[rank - 1] += 1;
            break;
        default: break;
    }
    auto grad_input_layout_extents = grad_input_extents;
    for (auto& e : grad_input_layout_extents) e = std::max<std::ptrdiff_t>(e, 0);

    placed_view<T, rank> grad_output(draw_layout(input, grad_output_extents, Leading, true));
    placed_view<T, rank> grad_input(draw_layout(input, grad_input_layout_extents, Leading, false));
    placed_view<std::int64_t, rank> indices64(draw_layout(input, index_extents, Leading, true));
    placed_view<std::int32_t, rank> indices32(indices64.where);
    grad_output.fill_gaps(gap_value<T>());
    fill_values(grad_output, bits, palette);
    fill_values(grad_input, bits, palette);

    // Indices: the reference forward's own (realistic: distinct within a
    // window, repeated across overlapping windows), or any in the plane.
    std::ptrdiff_t plane = 1;
    for (std::size_t d = Leading; d < rank; ++d) plane *= shape.in[d];
    std::vector<std::int64_t> chosen(static_cast<std::size_t>(indices64.where.count()));
    if (indices_from_forward && index_extents == shape.out) {
        std::ptrdiff_t input_count = 1;
        for (std::ptrdiff_t e : shape.in) input_count *= e;
        std::vector<T> forward_input(static_cast<std::size_t>(input_count));
        for (T& value : forward_input) value = draw_value<T>(bits, palette);
        std::vector<T> forward_output(chosen.size());
        apool_test::naive::adaptive_max_pool<Spatial>(apool::strided_view<const T, rank>(forward_input.data(), shape.in),
                                                      apool::strided_view<T, rank>(forward_output.data(), shape.out),
                                                      apool::strided_view<std::int64_t, rank>(chosen.data(), shape.out));
    } else {
        for (auto& index : chosen) index = static_cast<std::int64_t>(bits.below(static_cast<std::uint64_t>(plane)));
    }
    std::int64_t* const indices64_at = indices64.origin();
    std::int32_t* const indices32_at = indices32.origin();
    std::ptrdiff_t victim_offset = 0;
    const std::size_t victim = chosen.empty() ? 0 : static_cast<std::size_t>(bits.below(chosen.size()));
    for_each_element(indices64.where, [&](std::ptrdiff_t dense_index, std::ptrdiff_t offset) {
        indices64_at[offset] = chosen[static_cast<std::size_t>(dense_index)];
        indices32_at[offset] = static_cast<std::int32_t>(chosen[static_cast<std::size_t>(dense_index)]);
        if (static_cast<std::size_t>(dense_index) == victim) victim_offset = offset;
    });
    if (injected == fault::index_outside_plane) {
        // Written last: with zero or overlapping strides, other elements share its memory.
        if (!is_max || chosen.empty()) return;
        const std::int64_t bad = bits.below(2) == 0 ? -1 - static_cast<std::int64_t>(bits.below(3)) : plane + static_cast<std::int64_t>(bits.below(3));
        indices64_at[victim_offset] = bad;
        indices32_at[victim_offset] = static_cast<std::int32_t>(bad);
    }

    auto grad_output_view = grad_output.const_view();
    auto grad_input_view = grad_input.view();
    grad_input_view = {grad_input_view.data(), grad_input_extents, grad_input_view.strides()};
    const auto indices64_view = indices64.const_view();
    const auto indices32_view = indices32.const_view();
    switch (injected) {
        case fault::written_view_overlaps_itself: {
            std::size_t dim = rank;
            for (std::size_t d = 0; d < rank; ++d) {
                if (grad_input_extents[d] > 1) dim = d;
            }
            if (dim == rank || grad_input.where.count() == 0) return;
            auto strides = grad_input_view.strides();
            strides[dim] = 0;
            grad_input_view = {grad_input_view.data(), grad_input_extents, strides};
            break;
        }
        case fault::written_view_over_read_view:
            if (grad_input.where.count() == 0 || grad_output.where.count() == 0) return;
            grad_input_view = {reinterpret_cast<T*>(grad_output.buffer.payload()) + grad_output.where.origin, grad_input_extents,
                               grad_input_view.strides()};
            break;
        case fault::null_data:
            if (grad_input.where.count() == 0) return;
            grad_input_view = {nullptr, grad_input_extents, grad_input_view.strides()};
            break;
        default: break;
    }
    about.add("accumulate", static_cast<int>(accumulate));
    about.add_layout("grad_output", grad_output.where);
    about.add_layout("grad_input", grad_input.where);
    if (is_max) about.add_layout("indices", indices64.where);

    const std::vector<T> grad_input_before = grad_input.dense();
    call_buffers buffers;
    buffers.read.push_back(&grad_output.buffer);
    if (op == operation::max_backward64) buffers.read.push_back(&indices64.buffer);
    if (op == operation::max_backward32) buffers.read.push_back(&indices32.buffer);
    buffers.written.push_back(&grad_input.buffer);
    buffers.written_element_bytes.push_back(grad_input.element_bytes());
    const bool expect_error = injected != fault::none;
    about.add("executor", static_cast<int>(through_executor(seed)));
    auto call = [&](auto&&... executor) {
        switch (op) {
            case operation::avg_backward:
                apool::adaptive_avg_pool_backward<Spatial>(grad_output_view, grad_input_view, update, executor...);
                break;
            case operation::max_backward64:
                apool::adaptive_max_pool_backward<Spatial>(grad_output_view, indices64_view, grad_input_view, update, executor...);
                break;
            default:
                apool::adaptive_max_pool_backward<Spatial>(grad_output_view, indices32_view, grad_input_view, update, executor...);
                break;
        }
    };
    run_checked(buffers, expect_error, about, [&] {
        if (through_executor(seed)) {
            call(reverse_executor{});
        } else {
            call();
        }
    });
    if (expect_error) return;

    const std::vector<T> actual = grad_input.dense();
    std::vector<T> expected = grad_input_before;
    const apool::strided_view<T, rank> expected_view(expected.data(), grad_input_extents);
    // Rounding bounds: the same gradient from |grad_output| onto zeros gives
    // the sum of the magnitudes each element receives.
    std::vector<T> grad_magnitudes = grad_output.dense();
    for (T& value : grad_magnitudes) value = std::fabs(value);
    std::vector<T> magnitudes(actual.size());
    const apool::strided_view<const T, rank> grad_magnitudes_view(grad_magnitudes.data(), grad_output_extents);
    const apool::strided_view<T, rank> magnitudes_view(magnitudes.data(), grad_input_extents);
    double terms = 0;
    if (!is_max) {
        apool_test::naive::adaptive_avg_pool_backward<Spatial>(grad_output_view, expected_view, accumulate);
        apool_test::naive::adaptive_avg_pool_backward<Spatial>(grad_magnitudes_view, magnitudes_view, false);
        // Windows covering one input element, per dim, and a division per dim.
        terms = 1;
        for (std::size_t d = Leading; d < rank; ++d) {
            terms *= static_cast<double>(grad_output_extents[d] / std::max<std::ptrdiff_t>(grad_input_extents[d], 1) + 2);
        }
        terms += static_cast<double>(Spatial) + 2;
    } else if (op == operation::max_backward64) {
        apool_test::naive::adaptive_max_pool_backward<Spatial>(grad_output_view, indices64_view, expected_view, accumulate);
        apool_test::naive::adaptive_max_pool_backward<Spatial>(grad_magnitudes_view, indices64_view, magnitudes_view, false);
    } else {
        apool_test::naive::adaptive_max_pool_backward<Spatial>(grad_output_view, indices32_view, expected_view, accumulate);
        apool_test::naive::adaptive_max_pool_backward<Spatial>(grad_magnitudes_view, indices32_view, magnitudes_view, false);
    }
    if (is_max) {
        std::ptrdiff_t outputs_per_plane = 1;
        for (std::size_t d = Leading; d < rank; ++d) outputs_per_plane *= grad_output_extents[d];
        terms = static_cast<double>(outputs_per_plane) + 2;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
        // Overwriting max gradients add in the reference's order: the bits must
        // match (a NaN's sign and payload aside, which depend on operand order).
        const bool exact = is_max && !accumulate;
        const double magnitude = static_cast<double>(magnitudes[i]) + (accumulate ? std::fabs(static_cast<double>(grad_input_before[i])) : 0.0);
        const bool good = exact ? same_bits(actual[i], expected[i]) || (std::isnan(actual[i]) && std::isnan(expected[i]))
                                : close_enough(actual[i], expected[i], magnitude, terms);
        if (!good) {
            report_failure(std::string(operation_name(op)) + ": grad_input " + std::to_string(i) + " is " + std::to_string(actual[i]) +
                           ", the reference " + std::to_string(expected[i]) + "\n" + about.text);
        }
    }
}

template <class T>
const char* type_name() {
    if (std::is_same<T, float>::value) return "float";
    if (std::is_same<T, double>::value) return "double";
    if (std::is_same<T, apool::bfloat16>::value) return "bfloat16";
    if (std::is_same<T, apool::float16>::value) return "float16";
    return std::is_same<T, std::uint8_t>::value ? "uint8" : "int8";
}

template <class T, class Out, std::size_t Spatial, std::size_t Leading>
void fuzz_case(FuzzedDataProvider& input, operation op, fault injected, description& about) {
    problem_shape<Spatial, Leading> shape;
    if (!draw_shape(input, shape)) return;
    about.text += std::string("type ") + type_name<T>() + " into " + type_name<Out>() + ", " + operation_name(op) + ", spatial " +
                  std::to_string(Spatial) + ", leading " + std::to_string(Leading) + ", fault " +
                  std::to_string(static_cast<int>(injected)) + "\n";
    if (op == operation::avg_backward || op == operation::max_backward64 || op == operation::max_backward32) {
        if constexpr (std::is_same<T, Out>::value && (std::is_same<T, float>::value || std::is_same<T, double>::value)) {
            fuzz_backward<T>(input, op, shape, injected, about);
        }
    } else {
        fuzz_forward<T, Out>(input, op, shape, injected, about);
    }
}

template <class T, class Out>
void fuzz_type(FuzzedDataProvider& input, operation op, fault injected, description& about) {
    switch (input.ConsumeIntegralInRange<int>(0, 8)) {
        case 0: fuzz_case<T, Out, 1, 0>(input, op, injected, about); break;
        case 1: fuzz_case<T, Out, 1, 1>(input, op, injected, about); break;
        case 2: fuzz_case<T, Out, 1, 2>(input, op, injected, about); break;
        case 3: fuzz_case<T, Out, 2, 0>(input, op, injected, about); break;
        case 4: fuzz_case<T, Out, 2, 1>(input, op, injected, about); break;
        case 5: fuzz_case<T, Out, 2, 2>(input, op, injected, about); break;
        case 6: fuzz_case<T, Out, 3, 0>(input, op, injected, about); break;
        case 7: fuzz_case<T, Out, 3, 1>(input, op, injected, about); break;
        default: fuzz_case<T, Out, 3, 2>(input, op, injected, about); break;
    }
}

/// An element type beside float and double, into itself or float (double
/// outputs take the generic kernel, as float into double does), on three of
/// the shapes (1d with a leading dim, 2d with two, 3d with one): each further
/// pair of types and shape compiles every kernel again.
template <class T>
void fuzz_widened(FuzzedDataProvider& input, operation op, fault injected, description& about) {
    const bool into_float = input.ConsumeBool();
    switch (input.ConsumeIntegralInRange<int>(0, 2)) {
        case 0: into_float ? fuzz_case<T, float, 1, 1>(input, op, injected, about) : fuzz_case<T, T, 1, 1>(input, op, injected, about); break;
        case 1: into_float ? fuzz_case<T, float, 2, 2>(input, op, injected, about) : fuzz_case<T, T, 2, 2>(input, op, injected, about); break;
        default: into_float ? fuzz_case<T, float, 3, 1>(input, op, injected, about) : fuzz_case<T, T, 3, 1>(input, op, injected, about); break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    const bool use_double = input.ConsumeBool();
    const auto op = static_cast<operation>(input.ConsumeIntegralInRange<int>(0, operation_count - 1));
    // One input in eight injects a bad argument.
    const int fault_choice = input.ConsumeIntegralInRange<int>(0, 8 * (fault_count - 1) - 1);
    const fault injected = fault_choice < fault_count - 1 ? static_cast<fault>(fault_choice + 1) : fault::none;
    description about;
    if (use_double) {
        fuzz_type<double, double>(input, op, injected, about);
        return 0;
    }
    switch (input.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: fuzz_type<float, float>(input, op, injected, about); break;
        case 1: fuzz_type<float, double>(input, op, injected, about); break;
        case 2: fuzz_widened<apool::bfloat16>(input, op, injected, about); break;
        case 3: fuzz_widened<apool::float16>(input, op, injected, about); break;
        case 4: fuzz_widened<std::uint8_t>(input, op, injected, about); break;
        default: fuzz_widened<std::int8_t>(input, op, injected, about); break;
    }
    return 0;
}
