#!/usr/bin/env bash
# Rewrites tests/fuzz/seed_corpus.txt from a corpus directory (for example the
# one a long fuzzing run left): libFuzzer keeps a smallest set of inputs that
# reaches every edge the directory reaches, and each is written as one line of hex.
#
# Usage: tests/fuzz/update_seed_corpus.sh <fuzzer binary> <corpus directory>
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzzer=$1
corpus=$2
selected=$(mktemp -d)
trap 'rm -rf "$selected"' EXIT
"$fuzzer" -set_cover_merge=1 -use_counters=0 "$selected" "$corpus"
{
    echo "# Seed inputs of tests/fuzz/fuzz_pooling.cpp, one per line in hex; made by tests/fuzz/update_seed_corpus.sh."
    for file in "$selected"/*; do
        od -An -v -tx1 "$file" | tr -d ' \n'
        echo
    done | grep -v '^$' | sort
} > "$source_dir/tests/fuzz/seed_corpus.txt"
echo "$(grep -vc '^#' "$source_dir/tests/fuzz/seed_corpus.txt") seed inputs written to tests/fuzz/seed_corpus.txt"
