#!/usr/bin/env bash
# A local check for what CI cannot do (CI has Debian's xsimd 8.1 and Catch2 v2
# and no network): builds and runs apool's test suite against another xsimd,
# such as 14.x, and optionally Catch2 v3, with g++ and clang++, for the default
# target and for -march=native; then runs the consumer projects
# (tests/run_packaging_tests.sh) against that xsimd.
#
# Usage: tests/packaging/check_newest_dependencies.sh XSIMD_SOURCE [CATCH2]
#   XSIMD_SOURCE: an xsimd source tree, e.g. from
#     git --git-dir=<xsimd repository> archive HEAD | tar -x -C /tmp/xsimd
#   CATCH2: a Catch2 v3 source tree, or a prefix where Catch2 v3 is installed;
#     without it the tests use the system's Catch2.
# Everything is built under $APOOL_BUILD_ROOT/newest-dependencies (default
# build-tests/newest-dependencies in the checkout); nothing is installed elsewhere.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '/^# Usage/,/^# Everything/p' "$0" >&2
    exit 2
fi
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}/newest-dependencies
xsimd_source=$(cd "$1" && pwd)
catch2=${2:+$(cd "$2" && pwd)}
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$work"

echo "== xsimd from $xsimd_source"
cmake -S "$xsimd_source" -B "$work/xsimd-build" -G Ninja -DCMAKE_INSTALL_PREFIX="$work/xsimd" > /dev/null
cmake --install "$work/xsimd-build" > /dev/null
xsimd_major=$(sed -n 's/^#define XSIMD_VERSION_MAJOR \([0-9]*\).*/\1/p' "$work/xsimd/include/xsimd/config/xsimd_config.hpp")
xsimd_config_dir=$(dirname "$(find "$work/xsimd" -name xsimdConfig.cmake | head -n 1)")
prefix_path="$work/xsimd"
echo "   xsimd $xsimd_major.x installed in $work/xsimd"

catch2_config_dir=""
if [ -n "$catch2" ]; then
    if [ -f "$catch2/lib/cmake/Catch2/Catch2Config.cmake" ]; then
        catch2_prefix=$catch2
    else
        echo "== Catch2 from $catch2"
        catch2_prefix="$work/catch2"
        cmake -S "$catch2" -B "$work/catch2-build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
            -DCATCH_INSTALL_DOCS=OFF -DCMAKE_INSTALL_PREFIX="$catch2_prefix" > /dev/null
        cmake --build "$work/catch2-build" -j "$jobs"
        cmake --install "$work/catch2-build" > /dev/null
    fi
    catch2_config_dir="$catch2_prefix/lib/cmake/Catch2"
    prefix_path="$prefix_path;$catch2_prefix"
fi

# Fails unless the CMake cache entry $2 of build tree $1 names directory $3.
require_cache_entry() {
    local found
    found=$(sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt")
    if [ "$(cd "$found" && pwd -P)" != "$(cd "$3" && pwd -P)" ]; then
        echo "apool: $1 found $2=$found, expected $3" >&2
        exit 1
    fi
}

# Every step runs even when an earlier one fails, so one run shows the whole matrix.
failures=()
for compiler in g++ clang++; do
    for variant in default native; do
        flags=""
        [ "$variant" = native ] && flags="-march=native"
        build_dir="$work/tests-$compiler-$variant"
        echo "== apool tests against xsimd $xsimd_major: $compiler, $variant (CXXFLAGS='$flags')"
        cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_PREFIX_PATH="$prefix_path" \
            -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
        require_cache_entry "$build_dir" xsimd_DIR "$xsimd_config_dir"
        [ -z "$catch2_config_dir" ] || require_cache_entry "$build_dir" Catch2_DIR "$catch2_config_dir"
        if ! cmake --build "$build_dir" -j "$jobs"; then
            failures+=("build: $compiler $variant")
        elif ! ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"; then
            failures+=("tests: $compiler $variant")
        fi
    done
done

echo "== apool consumers against xsimd $xsimd_major"
CMAKE_PREFIX_PATH="$work/xsimd" \
PKG_CONFIG_PATH="$(dirname "$(find "$work/xsimd" -name xsimd.pc | head -n 1)")" \
CXXFLAGS="-DAPOOL_CONSUMER_EXPECTED_XSIMD_MAJOR=$xsimd_major" \
APOOL_BUILD_ROOT="$work" "$source_dir/tests/run_packaging_tests.sh" g++ clang++ || failures+=("consumers")

against="xsimd $xsimd_major${catch2:+ and the Catch2 in $catch2}"
if [ ${#failures[@]} -gt 0 ]; then
    echo "== FAILED against $against:"
    printf '   %s\n' "${failures[@]}"
    exit 1
fi
echo "== all passed against $against"
