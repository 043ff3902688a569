#!/usr/bin/env bash
# Runs the fuzz target: first every file in tests/fuzz/regressions/ (inputs that
# once found a bug), then a fuzzing session that starts from the committed seed
# corpus tests/fuzz/seed_corpus.txt (one input per line, in hex). New inputs go
# to a scratch corpus, never to the checkout. A crash leaves its input as
# crash-* in the scratch directory.
#
# Usage: tests/fuzz/run_fuzzer.sh <fuzzer binary> <seconds> [extra libFuzzer flags...]
#   CI:   tests/fuzz/run_fuzzer.sh build-fuzz/fuzz_pooling 30            (bounded, fixed seed)
#   long: nice tests/fuzz/run_fuzzer.sh build-fuzz/fuzz_pooling 1800 -seed=0
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
seconds=$2
shift 2
scratch=${APOOL_FUZZ_SCRATCH:-"$(dirname "$fuzzer")/fuzz-scratch"}
mkdir -p "$scratch/corpus"
scratch=$(cd "$scratch" && pwd)
rm -rf "$scratch/seeds"
mkdir -p "$scratch/seeds"
count=0
while read -r hex; do
    case "$hex" in '' | '#'*) continue ;; esac
    # shellcheck disable=SC2059
    printf "$(sed 's/../\\x&/g' <<< "$hex")" > "$scratch/seeds/seed-$count"
    count=$((count + 1))
done < "$source_dir/tests/fuzz/seed_corpus.txt"

regressions=("$source_dir"/tests/fuzz/regressions/*)
if [ -e "${regressions[0]}" ]; then
    echo "== fuzz: replaying ${#regressions[@]} regression input(s)"
    "$fuzzer" "${regressions[@]}"
fi

echo "== fuzz: ${seconds} s from the seed corpus ($count inputs)"
cd "$scratch"
# -seed fixes libFuzzer's mutation sequence (a later flag overrides it); the
# time bound keeps the run short, so how far it gets depends on the machine.
"$fuzzer" -seed=1 -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 "$@" \
    "$scratch/corpus" "$scratch/seeds"
