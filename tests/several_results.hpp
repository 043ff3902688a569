// What the tests of the calls with several results (test_avg_max.cpp,
// test_pyramid.cpp) share: tied values, an executor that runs tasks out of
// order, and byte equality with the separate calls' results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <type_traits>
#include <vector>

#include "naive_reference.hpp"

namespace apool_test {

/// Values with many ties (a few distinct values), as T. The floating types'
/// values have fractional bits, so that their sums round and adding them in
/// another order than the separate call's shows in the averages' bytes.
template <class T>
std::vector<T> tied_values(std::size_t count, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<T> values(count);
    for (T& v : values) {
        const double k = static_cast<double>(rng() % 23);
        v = naive::rounded<T>((k - (std::is_unsigned<T>::value ? 0.0 : 9.0)) * 1.3 + 0.0173 * k);
    }
    return values;
}

/// An executor that runs tasks last to first.
struct reverse_order {
    template <class Task>
    void operator()(std::ptrdiff_t count, Task&& task) const {
        for (std::ptrdiff_t i = count; i-- > 0;) task(i);
    }
};

/// Whether two results are the same bytes (a failure prints no values: the
/// vectors are large).
template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace apool_test
