#!/usr/bin/env bash
# Benchmark: `vigil attribution evaluate` over the six ATT&CK development releases (reading
# 190 MB of STIX 2.0, building every case's leakage-controlled profiles, fitting every
# parameter on earlier releases' cases for each release (nested), scoring Vigil's model, its
# ablations and the four baselines). The baselines run inside the same command,
# so their cost is part of the figure; there is no outside peer for this protocol.
#
# usage: Benchmarks/attribution-evaluate.sh [ROUNDS]
# Prints the median wall time and peak memory of ROUNDS runs, then the evaluation's MRR table.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil
releases=()
for version in 10.1 11.3 12.1 13.1 14.1 15.1; do releases+=("../shared/data/attack/enterprise-attack-$version.stix20.json"); done

times=()
for _ in $(seq "$rounds"); do times+=("$(python3 Benchmarks/measure.py "$vigil" attribution evaluate "${releases[@]}")"); done
printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
seconds = statistics.median(float(r[0]) for r in rows)
peak = statistics.median(int(r[1]) for r in rows) / 1024
print(f"vigil attribution evaluate, 6 releases, nested: {seconds:.2f} s median of {len(rows)}, {peak:.0f} MB peak")'
"$vigil" attribution evaluate "${releases[@]}" --json 2>/dev/null | python3 -c '
import json, sys
document = json.load(sys.stdin)
for protocol in ("campaigns", "reports", "loco"):
    scorers = {k: v for k, v in document[protocol].items() if isinstance(v, dict) and "mrr" in v}
    n = scorers["vigil"]["n"]
    print(f"{protocol:10} n={n:3}  MRR " + "  ".join(name + " " + format(s["mrr"], ".2f") for name, s in scorers.items()))'
