#!/usr/bin/env bash
# Builds apool's test suite with GCC and runs it with ctest for the compiler's
# default target (SSE2 on x86-64) and for AVX2 (-mavx2 -mfma); the machine's
# widest (-march=native: AVX-512 where it has it) is built and run by Clang
# under the sanitizers in tests/run_hardening_tests.sh. So every vector
# width and its tails run. Then
# tests/run_packaging_tests.sh builds the consumer projects (add_subdirectory,
# FetchContent, find_package, pkg-config, vcpkg port) with GCC (Clang compiles
# apool in the sanitize stage; `tests/run_packaging_tests.sh` alone builds
# them with both).
# Between them, the benchmarks are built and run once on tiny shapes.
# On a fresh Debian/Ubuntu machine it first installs what is missing (when run
# as root).
#
# Usage: tests/run_tests.sh            (build trees go to build-tests/ in the checkout)
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}
# shellcheck source=tests/install_packages.sh
source "$source_dir/tests/install_packages.sh"
apool_install_packages cmake ninja-build g++ clang libxsimd-dev catch2 libdlpack-dev

jobs=$(nproc 2>/dev/null || echo 2)
# run_variant NAME CXXFLAGS [kernels]: builds and runs every test, or with
# `kernels` the kernel test executable (apool_tests) alone.
run_variant() {
    local name=$1 flags=$2 scope=${3:-all}
    echo "== apool tests: $name (CXXFLAGS='$flags'), ${SECONDS}s into the run"
    # -g1 (functions and lines, no variables): full debug information
    # would take half again the compile time.
    cmake -S "$source_dir" -B "$build_root/$name" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_CXX_FLAGS="$flags" \
        -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
    if [ "$scope" = kernels ]; then
        cmake --build "$build_root/$name" --target apool_tests -j "$jobs"
        # The tests of the other executables are named apool_*, as is the
        # stand-in ctest lists for an executable not built.
        ctest --test-dir "$build_root/$name" --output-on-failure -j "$jobs" -E '^apool_'
    else
        cmake --build "$build_root/$name" -j "$jobs"
        ctest --test-dir "$build_root/$name" --output-on-failure -j "$jobs"
    fi
}

# Which kernels a shape gets depends on the vector width (the plan tests
# assert it per width), so the suite runs at SSE2 (the default target), AVX2
# and the machine's own widest (the sanitize stage's -march=native). Where the
# widest is AVX2, that stage runs the AVX2 kernels and no GCC AVX2 build is
# needed. A width this machine cannot run is skipped, and said so. The AVX2
# build runs the kernel tests alone: the parallel and no-exceptions tests
# check the splitting of calls and the error contract, which the default and
# the sanitize stages cover at the other two widths.
cpu_has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null; }
run_variant default ""
if ! cpu_has avx2 || ! cpu_has fma; then
    echo "== apool tests: avx2 SKIPPED: this machine's CPU lacks AVX2 or FMA (/proc/cpuinfo)"
elif cpu_has avx512f; then
    echo "== apool tests: native (the sanitize stage) is AVX-512 here"
    run_variant avx2 "-mavx2 -mfma" kernels
else
    echo "== apool tests: native (the sanitize stage) is AVX2 here, NOT AVX-512 (no avx512f in /proc/cpuinfo): it runs the AVX2 kernels; the AVX-512 kernels are not tested on this machine"
fi

# The benchmarks must keep building and running; a smoke pass (one batch
# element, at most 4 channels, one short iteration each) checks that. It times
# nothing: the suite is run by hand (bench/README.md).
echo "== apool benchmarks: build and smoke pass"
apool_install_packages libbenchmark-dev
cmake -S "$source_dir" -B "$build_root/bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DAPOOL_BUILD_TESTS=OFF -DAPOOL_BUILD_EXAMPLES=OFF > /dev/null
cmake --build "$build_root/bench" --target apool_bench apool_bench_threads apool_bench_several -j "$jobs"
APOOL_BENCH_SMOKE=1 "$build_root/bench/bench/apool_bench" --benchmark_min_time=0.001 > "$build_root/bench/smoke.txt"
echo "benchmark smoke pass: $(grep -c '^[a-z_0-9]*/.*/\(forward\|backward\)' "$build_root/bench/smoke.txt") benchmarks ran"
APOOL_BENCH_SMOKE=1 "$build_root/bench/bench/apool_bench_threads" --benchmark_min_time=0.001 > "$build_root/bench/smoke_threads.txt"
echo "thread benchmark smoke pass: $(grep -c 'threads:' "$build_root/bench/smoke_threads.txt") benchmarks ran"
APOOL_BENCH_SMOKE=1 "$build_root/bench/bench/apool_bench_several" --benchmark_min_time=0.001 > "$build_root/bench/smoke_several.txt"
echo "several-results benchmark smoke pass: $(grep -c '_per_floor' "$build_root/bench/smoke_several.txt") benchmarks ran"
"$source_dir/examples/run_examples.sh"
"$source_dir/tests/run_packaging_tests.sh" g++
"$source_dir/tests/run_hardening_tests.sh"
