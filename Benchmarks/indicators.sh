#!/usr/bin/env bash
# Benchmark: indicators (Benchmarks/IndicatorBench): COUNT generated indicators of mixed kinds
# loaded into an IndicatorSet (time, resident memory), every MISP warninglist of the shared
# data loaded, 2,000,000 observable look-ups on one thread (half of them hits, and one in a
# hundred; each with the warninglists only loaded, and consulted on every hit as a hunt does;
# medians of five), and 1,000 of the patterns parsed and matched against one observation,
# by Vigil and by stix2-matcher (the OASIS reference) on the same files, in the same run; and
# the shared EVTX corpus hunted with the Windows Sigma rules without and with the indicators
# and warninglists (21 pairs of runs of three passes each, side by side: the median of the pairs' ratios).
#
# usage: Benchmarks/indicators.sh [COUNT]      (default 1000000)
# Needs the peers' venv (../shared/tools/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000000}
python=$(../shared/tools/peer-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --package-path Benchmarks/IndicatorBench >&2
"$(swift build -c release --package-path Benchmarks/IndicatorBench --show-bin-path)/IndicatorBench" \
  "$count" ../shared/data/misp/warninglists/lists "$work" ../shared/data/evtx ../shared/data/sigma/rules/windows | tee "$work/vigil.txt"
"$python" - "$work" <<'PY' | tee "$work/reference.txt"
import json, sys, time, warnings
from stix2matcher.matcher import Pattern
warnings.simplefilter("ignore")
work = sys.argv[1]
observed = [json.load(open(f"{work}/observed.json"))]
patterns = [line.rstrip("\n") for line in open(f"{work}/patterns.txt") if line.strip()]
start = time.perf_counter()
matched = sum(1 for p in patterns if Pattern(p, "2.1").match(observed))
elapsed = time.perf_counter() - start
print(f"stix2-matcher: {len(patterns)} patterns parsed and matched once in {elapsed:.3f} s: {len(patterns) / elapsed:.0f} evaluations/s ({matched} matched)")
PY
python3 - "$work" <<'PY'
import re, sys
work = sys.argv[1]
vigil = float(re.search(r"sample: .*: (\d+) evaluations/s", open(f"{work}/vigil.txt").read()).group(1))
reference = float(re.search(r": (\d+) evaluations/s", open(f"{work}/reference.txt").read()).group(1))
print(f"pattern evaluation: Vigil {vigil:.0f}/s, stix2-matcher {reference:.0f}/s: {vigil / reference:.0f}x")
PY
