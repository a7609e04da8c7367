#!/usr/bin/env bash
# Benchmark: matching alone, in one process (Benchmarks/MatchBench): the fastest of PASSES
# passes over a LARGE_MB file built from the shared samples (make-large-evtx.py), with and
# without every Windows rule. Run it on two versions of the engine to compare them: whole
# hunts vary by up to 40% on this machine, the fastest in-process pass far less.
#
# usage: Benchmarks/matching.sh [PASSES] [LARGE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
passes=${1:-5}
large_mb=${2:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path Benchmarks/MatchBench >&2
python3 Benchmarks/make-large-evtx.py "$work/large.evtx" "$large_mb" ../shared/data/evtx >&2
"$(swift build -c release --package-path Benchmarks/MatchBench --show-bin-path)/MatchBench" ../shared/data/sigma/rules/windows "$work/large.evtx" "$passes"
