// apool: the library's version. CMakeLists.txt's project(apool VERSION ...)
// states the same numbers; tests/test_version.cpp checks that they agree.
#pragma once

#define APOOL_VERSION_MAJOR 0
#define APOOL_VERSION_MINOR 1
#define APOOL_VERSION_PATCH 0

/// The version as one number, major * 10000 + minor * 100 + patch, for #if.
#define APOOL_VERSION (APOOL_VERSION_MAJOR * 10000 + APOOL_VERSION_MINOR * 100 + APOOL_VERSION_PATCH)
