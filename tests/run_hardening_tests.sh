#!/usr/bin/env bash
# The hardening stage of the test suite (issue #5), run by tests/run_tests.sh:
#  1. every test (with the compile-failure tests turned on) built with clang
#     under AddressSanitizer + UndefinedBehaviorSanitizer, any report fatal
#     (the test files unoptimized, which builds in a third of the time; the
#     float and double kernels of apool_compiled at -O2);
#     then the compile-failure tests once more with g++, unoptimized at
#     -march=native (a debug build): the valid calls compile, and the first
#     error of each misuse is apool's message with either compiler;
#  2. the parallel tests (tests/parallel: every call through several executors,
#     thread pools shared by concurrent and nested calls) under ThreadSanitizer;
#  3. valgrind memcheck on the test binary of the default-target build (which
#     tests/run_tests.sh has built already), the tests tagged [large] left
#     out; a few minutes. APOOL_VALGRIND=0 skips it;
#  4. the libFuzzer target, unoptimized: the regression inputs, then a bounded
#     run from the committed seed corpus with a fixed seed (APOOL_FUZZ_SECONDS,
#     default 30), the target built in the background from the g++
#     compile-failure tests on.
#
# Usage: tests/run_hardening_tests.sh   (build trees go to build-tests/ in the checkout)
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${APOOL_BUILD_ROOT:-"$source_dir/build-tests"}
# shellcheck source=tests/install_packages.sh
source "$source_dir/tests/install_packages.sh"
apool_install_packages cmake ninja-build clang libclang-rt-dev libxsimd-dev catch2

jobs=$(nproc 2>/dev/null || echo 2)
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

echo "== apool tests: sanitize (clang++, ASan + UBSan, -march=native)"
cmake -S "$source_dir" -B "$build_root/sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="$sanitizers -march=native" -DAPOOL_TEST_COMPILE_ERRORS=ON -DAPOOL_TEST_OPTIMIZATION=-O0 \
    -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build_root/sanitize" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$build_root/sanitize" --output-on-failure -j "$jobs"

# The fuzz target is one translation unit, a few minutes on one core: it
# builds in the background through the next two stages (the g++
# compile-failure tests compile one case at a time).
# Unoptimized: it builds in a fifth of the time of -O2 and runs a third as
# many inputs a second; the paths a case takes do not depend on the
# optimization.
mkdir -p "$build_root/fuzz"
APOOL_FUZZ_FLAGS="-march=native -O0 -gline-tables-only" "$source_dir/tests/fuzz/build_fuzzer.sh" "$build_root/fuzz/fuzz_pooling" \
    > "$build_root/fuzz/build.log" 2>&1 &
fuzz_build=$!

echo "== apool compile-failure tests: g++ (the first error of each misuse is apool's message), unoptimized at -march=native"
# Unoptimized at the machine's widest target, as a debug build is: GCC's
# intrinsics take other forms at -O0, so the valid calls compile there too.
apool_install_packages g++
cmake -S "$source_dir" -B "$build_root/compile-errors-gcc" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=g++ \
    -DCMAKE_CXX_FLAGS="-march=native" -DAPOOL_TEST_COMPILE_ERRORS=ON -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build_root/compile-errors-gcc" --target apool_misuse_control
ctest --test-dir "$build_root/compile-errors-gcc" --output-on-failure -R '^apool_misuse_'

echo "== apool parallel tests: ThreadSanitizer (clang++, -march=native)"
# Unoptimized, as the ASan stage's test files: instrumented for threads, the
# test files compile in a seventh of their -Og time and run in seconds.
cmake -S "$source_dir" -B "$build_root/thread-sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer -march=native" -DAPOOL_TEST_OPTIMIZATION=-O0 \
    -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
cmake --build "$build_root/thread-sanitize" --target apool_parallel_tests -j "$jobs"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 "$build_root/thread-sanitize/tests/parallel/apool_parallel_tests"

# valgrind runs while the fuzz target still builds: both cores stay busy.
memcheck_status=0
if [ "${APOOL_VALGRIND:-1}" = 1 ]; then
    echo "== apool tests under valgrind memcheck (default target: valgrind has no AVX-512)"
    apool_install_packages valgrind g++
    cmake -S "$source_dir" -B "$build_root/default" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF > /dev/null
    cmake --build "$build_root/default" -j "$jobs"
    # Tests tagged [large] (tens of MB each, a third of the suite's time)
    # run under ASan only: valgrind would take minutes on them. valgrind runs
    # one thread, so two halves of the rest run at once.
    memcheck() {
        valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite "$build_root/default/tests/apool_tests" "$1" \
            > "$build_root/default/memcheck-$2.txt" 2>&1
    }
    memcheck "[forward]~[large],[backward]~[large]" 1 & first_half=$!
    memcheck "~[forward]~[backward]~[large]" 2 & second_half=$!
    status=0
    wait "$first_half" || status=1
    wait "$second_half" || status=1
    cat "$build_root/default/memcheck-1.txt" "$build_root/default/memcheck-2.txt"
    memcheck_status=$status
fi

echo "== apool fuzz target (clang++, libFuzzer + ASan + UBSan, -march=native), built in the background since the g++ stage"
fuzz_build_status=0
wait "$fuzz_build" || fuzz_build_status=$?
cat "$build_root/fuzz/build.log"
if [ "$fuzz_build_status" != 0 ]; then
    echo "the fuzz target failed to build (exit $fuzz_build_status)" >&2
    exit "$fuzz_build_status"
fi
rm -rf "$build_root/fuzz/fuzz-scratch"
"$source_dir/tests/fuzz/run_fuzzer.sh" "$build_root/fuzz/fuzz_pooling" "${APOOL_FUZZ_SECONDS:-30}"
exit "$memcheck_status"
