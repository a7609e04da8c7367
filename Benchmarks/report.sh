#!/usr/bin/env bash
# Benchmark: `vigil report` of a case with about 100,000 findings (goal: each format written in
# under 2 s, memory bounded). The case is made the way an analyst makes one: ATT&CK 15.1 and
# every Windows Sigma rule, then a hunt over one large EVTX file built from the chunks of the
# shared attack samples (make-large-evtx.py; LARGE_MB, default 2000, gives about 107,000
# findings). No outside tool writes such a report; the figure is against the goal.
#
# usage: Benchmarks/report.sh [ROUNDS] [LARGE_MB]
# Prints the case's size, then per format the median wall time and peak memory of ROUNDS runs;
# then a page of 100 filtered findings (`vigil case timeline --limit 100` with filters: the
# query a findings page runs), whole process time, median of ROUNDS.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
large_mb=${2:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil
export VIGIL_DB="$work/vigil.sqlite"

"$vigil" intel import ../shared/data/attack/enterprise-attack-15.1.stix20.json >/dev/null 2>&1
python3 Benchmarks/make-large-evtx.py "$work/large.evtx" "$large_mb" ../shared/data/evtx/evtx-attack-samples >&2
"$vigil" case new big --tlp amber >/dev/null
findings=$("$vigil" hunt "$work/large.evtx" --rules ../shared/data/sigma/rules/windows --case big -q --format jsonl | wc -l)
rm -f "$work/large.evtx"
echo "case: $findings findings from a ${large_mb} MB EVTX file; $(du -m "$VIGIL_DB" | cut -f1) MB store"

for format in html md navigator; do
  times=()
  for _ in $(seq "$rounds"); do times+=("$(python3 Benchmarks/measure.py "$vigil" report big --format "$format" -o "$work/report.$format")"); done
  printf '%s\n' "${times[@]}" | FORMAT=$format SIZE=$(wc -c < "$work/report.$format") python3 -c '
import os, statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
seconds = sorted(float(r[0]) for r in rows)
peak = statistics.median(int(r[1]) for r in rows) / 1024
name, size = os.environ["FORMAT"], int(os.environ["SIZE"]) / 1024
print(f"vigil report --format {name:9}: {statistics.median(seconds):.2f} s median of {len(rows)}"
      f" (range {seconds[0]:.2f}-{seconds[-1]:.2f}; goal < 2 s), {peak:.0f} MB peak, {size:.0f} KB written")'
done

for filter in "" "--level high --tactic TA0002" "--technique T1059 --host MSEDGEWIN10" "--from 2020-01-01 --to 2020-06-01 --level medium" "--tactic TA0040"; do
  times=()
  # shellcheck disable=SC2086
  for _ in $(seq "$rounds"); do times+=("$(python3 Benchmarks/measure.py "$vigil" case timeline big $filter --limit 100 --format csv -o /dev/null)"); done
  printf '%s\n' "${times[@]}" | FILTER="${filter:-(none)}" python3 -c '
import os, statistics, sys
seconds = sorted(float(line.split()[0]) for line in sys.stdin if line.strip())
name = os.environ["FILTER"]
print(f"findings page of 100, filter {name}: {statistics.median(seconds) * 1000:.0f} ms median (process, goal of a served page < 200 ms)")'
done
