// apool::apool_compiled: the common instantiations for float elements
// (detail/instances.hpp), compiled once for every user of the library.
#include <apool/apool.hpp>

namespace apool {
namespace detail {
APOOL_DETAIL_INSTANCES(template, float)
}  // namespace detail
}  // namespace apool
