#!/usr/bin/env bash
# A local check for what CI cannot do (CI has Debian's xsimd 8.1 and Catch2 v2
# and no network): builds and runs apool's test suite against another xsimd,
# such as 14.x, and optionally Catch2 v3, with g++ and clang++, for the default
# target and for -march=native; then runs the consumer projects
# (tests/run_packaging_tests.sh) against that xsimd. With --mdspan it also
# builds and runs tests/test_mdspan.cpp against Kokkos' mdspan, through
# <mdspan/mdspan.hpp> and <experimental/mdspan> in C++17, and against C++23's
# std::mdspan where a compiler's library has it, with the same compilers and
# variants, and checks that <apool/interop/mdspan.hpp> rejects Kokkos'
# layout_right_padded with its message.
#
# Usage: tests/packaging/check_newest_dependencies.sh [--mdspan MDSPAN_SOURCE [--mdspan-only]] XSIMD_SOURCE [CATCH2]
#   MDSPAN_SOURCE: a source tree of github.com/kokkos/mdspan, e.g. from
#     git --git-dir=<mdspan repository> archive HEAD | tar -x -C /tmp/mdspan
#   --mdspan-only: only the mdspan checks (with XSIMD_SOURCE's xsimd).
#   XSIMD_SOURCE: an xsimd source tree, e.g. from
#     git --git-dir=<xsimd repository> archive HEAD | tar -x -C /tmp/xsimd
#   CATCH2: a Catch2 v3 source tree, or a prefix where Catch2 v3 is installed;
#     without it the tests use the system's Catch2. The mdspan checks always
#     use the system's Catch2 v2.
# Everything is built under $APOOL_BUILD_ROOT/newest-dependencies (default
# build-tests/newest-dependencies in the checkout); nothing is installed elsewhere.
set -euo pipefail

usage() {
    sed -n '/^# Usage/,/^# Everything/p' "$0" >&2
    exit 2
}
mdspan_source=""
mdspan_only=false
while [ $# -gt 0 ]; do
    case $1 in
        --mdspan) [ $# -ge 2 ] || usage; mdspan_source=$(cd "$2" && pwd); shift 2 ;;
        --mdspan-only) mdspan_only=true; shift ;;
        *) break ;;
    esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ] || { $mdspan_only && [ -z "$mdspan_source" ]; }; then
    usage
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
$mdspan_only || for compiler in g++ clang++; do
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

if ! $mdspan_only; then
    echo "== apool consumers against xsimd $xsimd_major"
    CMAKE_PREFIX_PATH="$work/xsimd" \
    PKG_CONFIG_PATH="$(dirname "$(find "$work/xsimd" -name xsimd.pc | head -n 1)")" \
    CXXFLAGS="-DAPOOL_CONSUMER_EXPECTED_XSIMD_MAJOR=$xsimd_major" \
    APOOL_BUILD_ROOT="$work" "$source_dir/tests/run_packaging_tests.sh" g++ clang++ || failures+=("consumers")
fi

if [ -n "$mdspan_source" ]; then
    mdspan_work="$work/mdspan"
    mkdir -p "$mdspan_work"
    include_flags=(-I"$source_dir/include" -I"$source_dir/tests" -isystem "$work/xsimd/include" -isystem "$mdspan_source/include")
    # A strided layout that is none of the three: the rejection must be
    # from_mdspan's static_assert.
    cat > "$mdspan_work/padded.cpp" << 'EOF'
#include <mdspan/mdspan.hpp>
#include <apool/interop/mdspan.hpp>
float data[15];
auto view = apool::from_mdspan(Kokkos::mdspan<float, Kokkos::dextents<int, 2>, Kokkos::Experimental::layout_right_padded<8>>(data, 3, 5));
EOF
    for compiler in g++ clang++; do
        echo "== apool/interop/mdspan.hpp: $compiler"
        "$compiler" -std=c++17 -O2 -c "$source_dir/tests/catch2_v2_main.cpp" -o "$mdspan_work/main-$compiler.o"
        # C++23's std::mdspan is tested only where the compiler's library has it.
        modes="KOKKOS:17 EXPERIMENTAL:17"
        if printf '#include <version>\n#ifndef __cpp_lib_mdspan\n#error no std::mdspan\n#endif\n' |
            "$compiler" -std=c++23 -fsyntax-only -x c++ - 2> /dev/null; then
            modes="$modes STD:23"
        else
            echo "   std::mdspan: SKIPPED, $compiler's standard library has no __cpp_lib_mdspan in C++23"
        fi
        for mode in $modes; do
            for variant in default native; do
                flags=()
                [ "$variant" = native ] && flags=(-march=native)
                name="$compiler-${mode%:*}-$variant"
                echo "   tests/test_mdspan.cpp against APOOL_TEST_MDSPAN_${mode%:*}, C++${mode#*:}, $variant"
                if ! "$compiler" -std=c++"${mode#*:}" -O2 "${flags[@]}" -Wall -Wextra -Wpedantic -Werror "${include_flags[@]}" \
                    -DAPOOL_TEST_MDSPAN_"${mode%:*}" "$source_dir/tests/test_mdspan.cpp" "$mdspan_work/main-$compiler.o" \
                    -o "$mdspan_work/test-$name"; then
                    failures+=("mdspan build: $name")
                elif ! "$mdspan_work/test-$name"; then
                    failures+=("mdspan tests: $name")
                fi
            done
        done
        echo "   layout_right_padded is rejected"
        if "$compiler" -std=c++17 -fsyntax-only "${include_flags[@]}" "$mdspan_work/padded.cpp" > "$mdspan_work/padded-$compiler.txt" 2>&1; then
            failures+=("mdspan: $compiler accepts layout_right_padded")
        elif ! grep -q "the mdspan's layout must be layout_right, layout_left or layout_stride" "$mdspan_work/padded-$compiler.txt"; then
            cat "$mdspan_work/padded-$compiler.txt"
            failures+=("mdspan: $compiler rejects layout_right_padded without from_mdspan's message")
        fi
    done
fi

against="xsimd $xsimd_major${catch2:+ and the Catch2 in $catch2}${mdspan_source:+ and the mdspan in $mdspan_source}"
if [ ${#failures[@]} -gt 0 ]; then
    echo "== FAILED against $against:"
    printf '   %s\n' "${failures[@]}"
    exit 1
fi
echo "== all passed against $against"
