#!/usr/bin/env bash
# Measurements of the application library (Benchmarks/LibraryBench):
# 1. a hunt through VigilKit three times in one process (every Windows rule over the shared
#    EVTX samples): each run's resident memory before it (after malloc_trim), its peak and
#    what is left after it, and glibc's heap in use after it (malloc_stats); with heaptrack
#    installed, the peak heap of one run against two runs in one process (the second run's
#    peak is no higher when the first freed what it allocated);
# 2. a paged read of 10,000 objects (limit 100) from a SQLite store holding ATT&CK Enterprise
#    10.1, alone and while Enterprise 15.1 is imported into the same store (started 0.6 s
#    into the import, when its transaction is open): page times, the slowest page, and
#    whether the read finished while the import was still running.
#
# usage: Benchmarks/library.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --package-path Benchmarks/LibraryBench >&2
bench="$(swift build -c release --package-path Benchmarks/LibraryBench --show-bin-path)/LibraryBench"
data=../shared/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bench" hunt-twice "$data/sigma/rules/windows" "$data/evtx" 2> "$work/heap.txt"
awk '/heap after/{label=$0} /^Total/{total=1} total && /in use bytes/{print "  " label, $0; total=0}' "$work/heap.txt"
if command -v heaptrack >/dev/null; then
  for runs in 1 2; do
    RUNS=$runs heaptrack -o "$work/heaptrack-$runs" "$bench" hunt-twice "$data/sigma/rules/windows" "$data/evtx" > /dev/null 2>&1
    peak=$(heaptrack_print -f "$work"/heaptrack-$runs* 2>/dev/null | grep '^peak heap memory consumption' | sed 's/.*: //')
    echo "heaptrack: $runs run(s) in one process, peak heap $peak"
  done
fi
"$bench" read-during-import "$data/attack/enterprise-attack-10.1.stix20.json" "$data/attack/enterprise-attack-15.1.stix20.json"
