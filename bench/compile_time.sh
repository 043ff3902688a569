#!/usr/bin/env bash
# Compile-time cost of apool for its users (issue #17, item 6).
#
# Default mode: compiles (-c, -O2, C++17) three small translation units and
# prints, for each, the user CPU seconds and peak memory of the compiler, as
# /usr/bin/time -f '%U %M' reports them:
#   avg_pool2d      includes <apool/apool.hpp>, calls adaptive_avg_pool2d once
#                   on a float NCHW strided_view<.., 4> (the issue's figure);
#   max_pool2d_idx  the same with adaptive_max_pool2d and int64 indices;
#   sort_vector     no apool: sorts a std::vector<float> (for scale);
# and the two apool TUs again with -DAPOOL_COMPILED=1 (suffix "+compiled"),
# as a user of apool::apool_compiled compiles them (the library's own compile
# is not counted: it is built once).
# --tests: configures the test suite (tests only, no examples or benchmarks)
# into a temporary dir and prints the user+sys CPU seconds of
# `cmake --build -j1` (build type RelWithDebInfo, as tests/run_tests.sh).
#
# Env: CXX (default g++), CXXFLAGS (extra flags, e.g. -march=native),
#      REPEAT (runs per figure, default 3), BUILD_TYPE (--tests, default RelWithDebInfo),
#      CMAKE_ARGS (--tests: extra configure arguments).
# Needs /usr/bin/time (Debian: `apt-get install time`), xsimd and, for --tests,
# cmake and Catch2. Downloads nothing. CPU time, not wall time, is printed, but
# a busy machine still inflates it (caches, SMT): the load average is printed
# beside each figure.
#
# Usage: bench/compile_time.sh [--tests]
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cxx=${CXX:-g++}
extra=${CXXFLAGS:-}
repeat=${REPEAT:-3}
if [[ ! -x /usr/bin/time ]]; then
    echo "compile_time.sh: /usr/bin/time is missing (Debian: apt-get install time)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

if [[ ${1:-} == --tests ]]; then
    build_type=${BUILD_TYPE:-RelWithDebInfo}
    echo "test suite build ($cxx, $build_type, CXXFLAGS='$extra', -j1): user+sys CPU s, peak MB of one process"
    for ((run = 1; run <= repeat; ++run)); do
        rm -rf "$work/build"
        cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_CXX_COMPILER="$cxx" \
            -DCMAKE_CXX_FLAGS="$extra" -DAPOOL_BUILD_TESTS=ON -DAPOOL_BUILD_EXAMPLES=OFF \
            -DAPOOL_BUILD_BENCHMARKS=OFF -DAPOOL_INSTALL=OFF ${CMAKE_ARGS:-} > /dev/null
        before=$(load)
        /usr/bin/time -o "$work/time" -f '%U %S %M' cmake --build "$work/build" -j1 > "$work/build.log" 2>&1 ||
            { cat "$work/build.log" >&2; exit 1; }
        read -r user sys peak < "$work/time"
        printf 'run %d: %s s (user %s, sys %s), %d MB  [load before: %s, after: %s]\n' \
            "$run" "$(awk "BEGIN { print $user + $sys }")" "$user" "$sys" "$((peak / 1024))" "$before" "$(load)"
    done
    exit 0
fi

cat > "$work/avg_pool2d.cpp" <<'EOF'
#include <apool/apool.hpp>
void pool(const float* x, float* y) {
    apool::strided_view<const float, 4> input(x, {8, 64, 56, 56});
    apool::strided_view<float, 4> output(y, {8, 64, 7, 7});
    apool::adaptive_avg_pool2d(input, output);
}
EOF
cat > "$work/max_pool2d_idx.cpp" <<'EOF'
#include <apool/apool.hpp>
#include <cstdint>
void pool(const float* x, float* y, std::int64_t* where) {
    apool::strided_view<const float, 4> input(x, {8, 64, 56, 56});
    apool::strided_view<float, 4> output(y, {8, 64, 7, 7});
    apool::adaptive_max_pool2d(input, output, apool::strided_view<std::int64_t, 4>(where, {8, 64, 7, 7}));
}
EOF
cat > "$work/sort_vector.cpp" <<'EOF'
#include <algorithm>
#include <vector>
void sort_values(std::vector<float>& values) { std::sort(values.begin(), values.end()); }
EOF

# xsimd's include dir, when it is not a system one (an xsimd_DIR or CMAKE_PREFIX_PATH install).
includes=(-I "$source_dir/include")
[[ -n ${XSIMD_INCLUDE_DIR:-} ]] && includes+=(-I "$XSIMD_INCLUDE_DIR")
echo "$cxx -O2 -std=c++17 $extra -c: user CPU s (min, max of $repeat runs), each run's user s/peak MB"
for figure in avg_pool2d max_pool2d_idx sort_vector avg_pool2d+compiled max_pool2d_idx+compiled; do
    tu=${figure%+compiled} mode=()
    [[ $figure == *+compiled ]] && mode=(-DAPOOL_COMPILED=1)
    line="" times=""
    for ((run = 1; run <= repeat; ++run)); do
        # shellcheck disable=SC2086
        /usr/bin/time -o "$work/time" -f '%U %M' "$cxx" -O2 -std=c++17 $extra "${includes[@]}" "${mode[@]}" \
            -c "$work/$tu.cpp" -o "$work/$tu.o"
        read -r user peak < "$work/time"
        line+=" $user/$((peak / 1024))MB" times+=" $user"
    done
    printf '%-24s min %s max %s  (runs:%s)  [load %s]\n' "$figure" \
        "$(tr ' ' '\n' <<< "$times" | sort -g | sed -n 2p)" "$(tr ' ' '\n' <<< "$times" | sort -g | tail -1)" "$line" "$(load)"
done
