// apool: how argument errors are reported.
//
// Every public function checks all of its arguments before it writes anything.
// On a bad argument:
//  - with exceptions (the default), it throws apool::invalid_argument, derived
//    from std::invalid_argument, whose what() names the argument and the shapes;
//  - without exceptions (-fno-exceptions, or APOOL_USE_EXCEPTIONS defined to 0),
//    it calls APOOL_ERROR_HANDLER(message) if the user defined that macro before
//    including apool, and otherwise writes the message to stderr and calls
//    std::abort(). If a user-defined handler returns, the apool function returns
//    at once, having written nothing.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include "config.hpp"

#if !APOOL_USE_EXCEPTIONS && !defined(APOOL_ERROR_HANDLER)
#include <cstdio>
#include <cstdlib>
#endif

namespace apool {

/// The exception every apool argument check throws.
class invalid_argument : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {

/// Reports an argument error in the configured way. Returns only where
/// exceptions are off and a user handler returned.
inline void report_error(const std::string& message) {
#if APOOL_USE_EXCEPTIONS
    throw apool::invalid_argument(message);
#elif defined(APOOL_ERROR_HANDLER)
    APOOL_ERROR_HANDLER(message.c_str());
#else
    std::fputs(message.c_str(), stderr);
    std::fputc('\n', stderr);
    std::abort();
#endif
}

}  // namespace detail
}  // namespace apool
