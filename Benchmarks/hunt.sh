#!/usr/bin/env bash
# Benchmark: `vigil hunt` with every Windows Sigma rule against (a) the pySigma + SQLite oracle
# (../shared/tools/sigma_oracle.py, the Zircolite method) on the same events and (b) `vigil dump`
# of the same files (parsing alone), same machine, same run, alternating rounds.
#
# usage: Benchmarks/hunt.sh [ROUNDS] [LARGE_MB]
# Corpora: the shared EVTX files (../shared/data/evtx), where the oracle runs too (its time
# includes turning the EVTX into JSON with the evtx crate, which it needs); and a LARGE_MB
# file (default 1024; 0 skips it) built from sample chunks by make-large-evtx.py, vigil only
# (the oracle holds every event in an in-memory SQLite table). Also the time to load and
# compile all rules (`vigil rules list`). Prints medians: wall time, events/s, events/s per
# core, peak memory; and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
large_mb=${2:-1024}
python=$(../shared/tools/peer-python)
rules=../shared/data/sigma/rules/windows
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil
cores=$(nproc)

find ../shared/data/evtx -name '*.evtx' | sort > "$work/shared.txt"
corpora="shared"
if [ "$large_mb" -gt 0 ]; then
  python3 Benchmarks/make-large-evtx.py "$work/large.evtx" "$large_mb" ../shared/data/evtx >&2
  echo "$work/large.evtx" > "$work/large.txt"
  corpora="$corpora large"
fi

# The oracle's pipeline, as one command: EVTX → JSON lines (crate) → pySigma/SQLite.
cat > "$work/oracle.sh" <<SH
#!/usr/bin/env bash
set -e
"$python" ../shared/tools/evtx2jsonl.py -q --threads 1 --from-list "\$1" -o "$work/events.jsonl" 2>/dev/null
"$python" ../shared/tools/sigma_oracle.py --rules "$rules" --events "$work/events.jsonl" -o /dev/null 2>/dev/null
SH
chmod +x "$work/oracle.sh"

: > "$work/load.rounds"
for _ in $(seq "$rounds"); do
  python3 Benchmarks/measure.py "$vigil" rules list "$rules" >> "$work/load.rounds"
done

for corpus in $corpora; do
  events=$("$vigil" dump -q --format events --from-list "$work/$corpus.txt" | wc -l)
  : > "$work/$corpus.rounds"
  n=$rounds
  [ "$corpus" = large ] && [ "$n" -gt 5 ] && n=5
  for _ in $(seq "$n"); do
    h1=$(python3 Benchmarks/measure.py "$vigil" hunt -q --threads 1 --rules "$rules" --format jsonl --from-list "$work/$corpus.txt" -o /dev/null)
    hn=$(python3 Benchmarks/measure.py "$vigil" hunt -q --threads "$cores" --rules "$rules" --format jsonl --from-list "$work/$corpus.txt" -o /dev/null)
    d1=$(python3 Benchmarks/measure.py "$vigil" dump -q --threads 1 --from-list "$work/$corpus.txt" -o /dev/null)
    e1=$(python3 Benchmarks/measure.py "$vigil" dump -q --threads 1 --format events --from-list "$work/$corpus.txt" -o /dev/null)
    if [ "$corpus" = shared ]; then
      o=$(python3 Benchmarks/measure.py "$work/oracle.sh" "$work/$corpus.txt")
    else
      o="0 0"
    fi
    echo "$h1 $hn $d1 $e1 $o" >> "$work/$corpus.rounds"
  done
  python3 - "$work/$corpus.rounds" "$work/load.rounds" "$corpus" "$events" "$cores" <<'PY'
import statistics, sys
path, load_path, corpus, events, cores = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rows = [list(map(float, line.split())) for line in open(path)]
h1, h1m, hn, hnm, d1, d1m, e1, e1m, o, om = [statistics.median(column) for column in zip(*rows)]
load = statistics.median(float(line.split()[0]) for line in open(load_path))
def line(label, seconds, memory, per_core=1):
    return f"  {label:<34} {seconds:7.2f} s {events / seconds:>10,.0f} ev/s {events / seconds / per_core:>10,.0f} ev/s/core {memory / 1024:7.1f} MB peak"
print(f"{corpus}: {events:,} events, median of {len(rows)} rounds; loading and compiling the rules alone: {load:.2f} s")
print(line("vigil hunt, 1 thread", h1, h1m))
print(line(f"vigil hunt, {cores} threads", hn, hnm, cores))
print(line("vigil dump (JSON), 1 thread", d1, d1m))
print(line("vigil dump --format events, 1 thread", e1, e1m))
if o > 0:
    print(line("oracle (crate JSON + pySigma/SQLite)", o, om))
    print(f"  vigil hunt 1 thread vs oracle: {o / h1:.1f}x faster")
print(f"  hunt / dump (1 thread): {h1 / d1:.2f}x, without rule loading {(h1 - load) / d1:.2f}x; hunt / dump --format events: {h1 / e1:.2f}x")
print(f"  hunt {cores} threads vs 1: {h1 / hn:.2f}x")
PY
done
