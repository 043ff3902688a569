// apool: the adaptive pooling window rule, as public API.
#pragma once

#include <cstddef>
#include <iterator>

namespace apool {

/// A half-open range [start, end) of input positions along one dimension.
struct window {
    std::ptrdiff_t start;
    std::ptrdiff_t end;
    constexpr std::ptrdiff_t size() const noexcept { return end - start; }
    friend constexpr bool operator==(const window& a, const window& b) noexcept { return a.start == b.start && a.end == b.end; }
    friend constexpr bool operator!=(const window& a, const window& b) noexcept { return !(a == b); }
};

/// First input position of output `out_index`: floor(out_index * in_size / out_size),
/// in exact integer arithmetic (PyTorch once used float arithmetic here and got
/// wrong windows at large sizes). Requires in_size * out_size to fit in
/// std::ptrdiff_t, which every pooling call checks.
constexpr std::ptrdiff_t window_start(std::ptrdiff_t out_index, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept {
    return out_index * in_size / out_size;
}

/// One past the last input position of output `out_index`: ceil((out_index + 1) * in_size / out_size).
constexpr std::ptrdiff_t window_end(std::ptrdiff_t out_index, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept {
    return ((out_index + 1) * in_size + out_size - 1) / out_size;
}

/// The window of output `out_index` when `in_size` positions pool to `out_size`.
constexpr window adaptive_window(std::ptrdiff_t out_index, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept {
    return {window_start(out_index, in_size, out_size), window_end(out_index, in_size, out_size)};
}

/// All `out_size` windows for `in_size` inputs, as a forward range of
/// apool::window, stepped without a division per window:
///
///     for (apool::window w : apool::adaptive_windows(5, 3)) ...  // [0,2) [1,4) [3,5)
class adaptive_windows {
public:
    class iterator {
    public:
        using value_type = window;
        using difference_type = std::ptrdiff_t;
        using reference = window;
        using pointer = void;
        using iterator_category = std::input_iterator_tag;

        constexpr iterator() noexcept = default;
        constexpr window operator*() const noexcept {
            // end = ceil(next_start_exact): the next window's floor, plus one when inexact.
            std::ptrdiff_t next_start = start_ + quotient_;
            std::ptrdiff_t next_remainder = remainder_ + step_remainder_;
            if (next_remainder >= out_size_) {
                next_remainder -= out_size_;
                ++next_start;
            }
            return {start_, next_start + (next_remainder != 0 ? 1 : 0)};
        }
        constexpr iterator& operator++() noexcept {
            ++index_;
            start_ += quotient_;
            remainder_ += step_remainder_;
            if (remainder_ >= out_size_) {
                remainder_ -= out_size_;
                ++start_;
            }
            return *this;
        }
        constexpr iterator operator++(int) noexcept {
            iterator before = *this;
            ++*this;
            return before;
        }
        constexpr std::ptrdiff_t index() const noexcept { return index_; }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }
        friend constexpr bool operator!=(const iterator& a, const iterator& b) noexcept { return a.index_ != b.index_; }

    private:
        friend class adaptive_windows;
        constexpr iterator(std::ptrdiff_t index, std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept
            : index_(index), out_size_(out_size), quotient_(in_size / out_size), step_remainder_(in_size % out_size) {}
        std::ptrdiff_t index_ = 0;
        std::ptrdiff_t out_size_ = 1;
        std::ptrdiff_t quotient_ = 0;        // in_size / out_size
        std::ptrdiff_t step_remainder_ = 0;  // in_size % out_size
        std::ptrdiff_t start_ = 0;           // floor(index * in_size / out_size)
        std::ptrdiff_t remainder_ = 0;       // (index * in_size) % out_size
    };

    /// Requires in_size >= 1 and out_size >= 0.
    constexpr adaptive_windows(std::ptrdiff_t in_size, std::ptrdiff_t out_size) noexcept
        : in_size_(in_size), out_size_(out_size) {}

    constexpr iterator begin() const noexcept { return out_size_ > 0 ? iterator(0, in_size_, out_size_) : iterator(); }
    /// The iterator at output `out_index` (0 to size()): begin() advanced that
    /// far, at the cost of one division.
    constexpr iterator begin_at(std::ptrdiff_t out_index) const noexcept {
        iterator at = begin();
        if (out_index > 0 && out_size_ > 0) {
            at.index_ = out_index;
            at.start_ = out_index * in_size_ / out_size_;
            at.remainder_ = out_index * in_size_ % out_size_;
        }
        return at;
    }
    constexpr iterator end() const noexcept {
        iterator past = begin();
        past.index_ = out_size_;
        return past;
    }
    constexpr std::ptrdiff_t size() const noexcept { return out_size_; }
    constexpr window operator[](std::ptrdiff_t out_index) const noexcept { return adaptive_window(out_index, in_size_, out_size_); }

private:
    std::ptrdiff_t in_size_;
    std::ptrdiff_t out_size_;
};

}  // namespace apool
