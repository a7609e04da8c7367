#!/usr/bin/env bash
# Benchmark: importing an ATT&CK bundle into Vigil's SQLite store vs. loading it with the
# Python stix2 library (stix2.parse(..., allow_custom=True) into a MemoryStore), same machine,
# same run, alternating, several rounds; prints medians, peak memory and the ratio.
#
# usage: Benchmarks/intel-import.sh [BUNDLE] [ROUNDS]
#   BUNDLE  default ../shared/data/attack/enterprise-attack-15.1.stix20.json
#   ROUNDS  default 5
# Needs the peers' venv (../shared/tools/setup.sh) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-../shared/data/attack/enterprise-attack-15.1.stix20.json}
rounds=${2:-5}
python=$(../shared/tools/peer-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil

# The peer: stix2's 2.0 parser insists on version-4 bundle ids; interoperability=True lets it
# read the mitre/cti bundles (whose bundle id is a uuid5) without changing what it parses.
cat > "$work/stix2_load.py" <<'PY'
import sys, stix2
with open(sys.argv[1]) as f:
    bundle = stix2.parse(f.read(), allow_custom=True, interoperability=True)
store = stix2.MemoryStore(stix_data=bundle["objects"], allow_custom=True)
assert len(store.source._data) > 0
PY

measure() {  # prints "seconds max_rss_kb"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/time"
}

echo "bundle: $bundle ($(du -h "$bundle" | cut -f1)), rounds: $rounds, cores: $(nproc)"
for round in $(seq "$rounds"); do
  rm -f "$work"/db.sqlite*
  read -r vs vm < <(measure "$vigil" intel import --db "$work/db.sqlite" "$bundle")
  read -r ps pm < <(measure "$python" "$work/stix2_load.py" "$bundle")
  echo "$vs $vm $ps $pm" >> "$work/rounds"
  printf 'round %d: vigil %6.2f s %7d KB   stix2 %6.2f s %7d KB\n' "$round" "$vs" "$vm" "$ps" "$pm"
done
python3 - "$work/rounds" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
vs, vm, ps, pm = (statistics.median(column) for column in zip(*rows))
print(f"median: vigil intel import {vs:.2f} s, peak {vm/1024:.0f} MB | python stix2 {ps:.2f} s, peak {pm/1024:.0f} MB"
      f" | vigil is {ps/vs:.1f}x faster")
PY
