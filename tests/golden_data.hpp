// Loads tests/golden/golden_data.txt, PyTorch's results written by
// tests/golden/generate_golden.py (see that script for how to regenerate it).
//
// The format, whitespace-separated tokens:
//
//     apool_golden 1
//     cases <count>
//     <count> times:
//       case <name> <spatial> <float32|float64> <rank> <rank input extents> <rank output extents>
//       input          <input count hex words>
//       grad_output    <output count hex words>
//       avg_output     <output count hex words>
//       avg_grad_input <input count hex words>
//       max_output     <output count hex words>
//       max_indices    <output count decimal integers>
//       max_grad_input <input count hex words>
//
// A hex word is the exact bit pattern of one float32 (8 digits) or float64 (16
// digits). Arrays are row-major over the logical extents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#ifndef APOOL_TEST_DATA_DIR
#error "APOOL_TEST_DATA_DIR must name the tests/ source directory (tests/CMakeLists.txt defines it)"
#endif

namespace apool_test {

/// One generated case: a logical input, a grad_output, and what PyTorch made of them.
struct golden_case {
    std::string name;
    std::size_t spatial = 0;
    bool is_double = false;
    std::vector<std::ptrdiff_t> input_extents;
    std::vector<std::ptrdiff_t> output_extents;
    // Exact bit patterns (float32 in the low 32 bits).
    std::vector<std::uint64_t> input;
    std::vector<std::uint64_t> grad_output;
    std::vector<std::uint64_t> avg_output;
    std::vector<std::uint64_t> avg_grad_input;
    std::vector<std::uint64_t> max_output;
    std::vector<std::int64_t> max_indices;
    std::vector<std::uint64_t> max_grad_input;

    std::size_t rank() const { return input_extents.size(); }
    std::size_t leading() const { return rank() - spatial; }
};

/// The values whose bit patterns `bits` holds.
template <class T>
std::vector<T> from_bits(const std::vector<std::uint64_t>& bits) {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value, "float or double");
    using word = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    std::vector<T> values(bits.size());
    for (std::size_t i = 0; i < bits.size(); ++i) {
        const auto narrow = static_cast<word>(bits[i]);
        std::memcpy(&values[i], &narrow, sizeof(T));
    }
    return values;
}

namespace golden_detail {

class token_reader {
public:
    explicit token_reader(const std::string& path) : path_(path), in_(path) {
        if (!in_) throw std::runtime_error("cannot open golden data file " + path);
    }

    std::string word() {
        std::string token;
        if (!(in_ >> token)) fail("unexpected end of file");
        return token;
    }
    void expect(const std::string& label) {
        const std::string token = word();
        if (token != label) fail("expected '" + label + "', found '" + token + "'");
    }
    std::int64_t integer() {
        const std::string token = word();
        std::size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(token, &used, 10);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != token.size()) fail("expected an integer, found '" + token + "'");
        return static_cast<std::int64_t>(value);
    }
    std::vector<std::uint64_t> hex_words(const std::string& label, std::size_t count, std::size_t digits) {
        expect(label);
        std::vector<std::uint64_t> words(count);
        for (std::size_t i = 0; i < count; ++i) {
            const std::string token = word();
            std::size_t used = 0;
            unsigned long long value = 0;
            try {
                value = std::stoull(token, &used, 16);
            } catch (const std::exception&) {
                used = 0;
            }
            if (token.size() != digits || used != digits) fail("bad hex word '" + token + "' in " + label);
            words[i] = static_cast<std::uint64_t>(value);
        }
        return words;
    }
    std::vector<std::int64_t> integers(const std::string& label, std::size_t count) {
        expect(label);
        std::vector<std::int64_t> values(count);
        for (auto& value : values) value = integer();
        return values;
    }
    bool at_end() {
        in_ >> std::ws;
        return in_.eof();
    }
    [[noreturn]] void fail(const std::string& message) const { throw std::runtime_error(path_ + ": " + message); }

private:
    std::string path_;
    std::ifstream in_;
};

inline std::size_t element_count(const std::vector<std::ptrdiff_t>& extents) {
    std::size_t count = 1;
    for (std::ptrdiff_t e : extents) count *= static_cast<std::size_t>(e);
    return count;
}

inline std::vector<golden_case> load(const std::string& path) {
    token_reader reader(path);
    reader.expect("apool_golden");
    if (reader.integer() != 1) reader.fail("unknown format version");
    reader.expect("cases");
    const std::int64_t count = reader.integer();
    std::vector<golden_case> cases;
    for (std::int64_t k = 0; k < count; ++k) {
        golden_case c;
        reader.expect("case");
        c.name = reader.word();
        c.spatial = static_cast<std::size_t>(reader.integer());
        const std::string type = reader.word();
        if (type != "float32" && type != "float64") reader.fail("unknown element type " + type);
        c.is_double = type == "float64";
        const auto rank = static_cast<std::size_t>(reader.integer());
        if (c.spatial < 1 || c.spatial > 3 || rank < c.spatial) reader.fail("bad spatial rank or rank in case " + c.name);
        for (std::size_t d = 0; d < rank; ++d) c.input_extents.push_back(static_cast<std::ptrdiff_t>(reader.integer()));
        for (std::size_t d = 0; d < rank; ++d) c.output_extents.push_back(static_cast<std::ptrdiff_t>(reader.integer()));
        const std::size_t digits = c.is_double ? 16 : 8;
        const std::size_t inputs = element_count(c.input_extents);
        const std::size_t outputs = element_count(c.output_extents);
        c.input = reader.hex_words("input", inputs, digits);
        c.grad_output = reader.hex_words("grad_output", outputs, digits);
        c.avg_output = reader.hex_words("avg_output", outputs, digits);
        c.avg_grad_input = reader.hex_words("avg_grad_input", inputs, digits);
        c.max_output = reader.hex_words("max_output", outputs, digits);
        c.max_indices = reader.integers("max_indices", outputs);
        c.max_grad_input = reader.hex_words("max_grad_input", inputs, digits);
        cases.push_back(std::move(c));
    }
    if (!reader.at_end()) reader.fail("data after the last case");
    return cases;
}

}  // namespace golden_detail

/// Every golden case, loaded once.
inline const std::vector<golden_case>& golden_cases() {
    static const std::vector<golden_case> cases = golden_detail::load(std::string(APOOL_TEST_DATA_DIR) + "/golden/golden_data.txt");
    return cases;
}

}  // namespace apool_test
