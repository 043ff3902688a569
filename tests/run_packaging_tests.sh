#!/usr/bin/env bash
# Builds and runs the consumer projects of tests/consumers, one ctest test per
# way to use apool: add_subdirectory, FetchContent (from a snapshot of this
# checkout, no network), find_package after cmake --install, pkg-config, and
# the vcpkg port (its portfile run offline with plain CMake). Once per compiler
# named, by default g++ and clang++. tests/run_tests.sh calls it.
#
# Usage: tests/run_packaging_tests.sh [compiler...]
# xsimd is the system's unless CMAKE_PREFIX_PATH / PKG_CONFIG_PATH say otherwise.
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}
# shellcheck source=tests/install_packages.sh
source "$source_dir/tests/install_packages.sh"
apool_install_packages cmake ninja-build g++ clang git pkgconf libxsimd-dev

compilers=("$@")
[ ${#compilers[@]} -gt 0 ] || compilers=(g++ clang++)
jobs=$(nproc 2>/dev/null || echo 2)
for compiler in "${compilers[@]}"; do
    build_dir="$build_root/consumers-$(basename "$compiler")"
    echo "== apool consumers: $compiler"
    rm -rf "$build_dir"
    cmake -S "$source_dir/tests/consumers" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$compiler" > /dev/null
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
done
