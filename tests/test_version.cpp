// <apool/version.hpp> states the version CMakeLists.txt's project() gives
// (passed in as APOOL_TEST_PROJECT_VERSION), and APOOL_VERSION combines it.
#include <apool/apool.hpp>

#include <string>

#include "catch.hpp"

static_assert(APOOL_VERSION == APOOL_VERSION_MAJOR * 10000 + APOOL_VERSION_MINOR * 100 + APOOL_VERSION_PATCH,
              "APOOL_VERSION is major * 10000 + minor * 100 + patch");

TEST_CASE("version.hpp agrees with CMake's project version", "[version]") {
    const std::string header = std::to_string(APOOL_VERSION_MAJOR) + "." + std::to_string(APOOL_VERSION_MINOR) + "." +
                               std::to_string(APOOL_VERSION_PATCH);
    CHECK(header == APOOL_TEST_PROJECT_VERSION);
}
