#!/usr/bin/env bash
# Benchmark: the instructions matching executes (Benchmarks/MatchBench under cachegrind): one
# pass over a LARGE_MB file built from the shared samples with every Windows rule, less one
# pass that only reads the records. Instruction counts are the same from run to run, where
# this machine's timings vary by a third: run it on two versions of the engine to compare
# changes of a few per cent. It does not see cache misses, which a change of memory layout is
# about; time those with Benchmarks/matching.sh.
#
# usage: Benchmarks/matching-instructions.sh [LARGE_MB]   (needs valgrind: apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
large_mb=${1:-64}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path Benchmarks/MatchBench >&2
python3 Benchmarks/make-large-evtx.py "$work/large.evtx" "$large_mb" ../shared/data/evtx >&2
# Valgrind 3.19 cannot read the toolchain's debug information; the symbols are enough.
strip --strip-debug -o "$work/MatchBench" "$(swift build -c release --package-path Benchmarks/MatchBench --show-bin-path)/MatchBench"
count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$work/MatchBench" ../shared/data/sigma/rules/windows \
    "$work/large.evtx" "$1" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ','
}
reading=$(count reading)
matching=$(count matching)
python3 -c "
r, m = $reading, $matching
print(f'instructions: reading pass {r:,} (rule loading included), matching pass {m:,}; matching alone {m - r:,}')
"
