#!/usr/bin/env bash
# Benchmark: `vigil dump --format jsonl` against the Rust `evtx` crate (through its Python
# binding, ../shared/tools/evtx2jsonl.py), same machine, same run, alternating rounds.
#
# usage: Benchmarks/evtx-dump.sh [ROUNDS] [LARGE_MB]
# Corpora: every EVTX file of ../shared/data (evtx/ and sigma/regression_data/) in one run;
# the largest single file; and a LARGE_MB file (default 1024; 0 skips it) built from sample
# chunks by make-large-evtx.py (run 3 rounds at most). Prints, as medians, wall time, records/s,
# MB/s and peak memory of vigil with 1 thread and with all cores, and of the crate with 1
# thread and all cores; and the ratios. Both read the file list from a file (--from-list).
# The "many" corpus is the shared files listed over and over (5,000+ paths): there both also
# get the paths as command-line arguments, as a shell glob gives them, with 1 thread.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
large_mb=${2:-1024}
python=$(../shared/tools/peer-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil
cores=$(nproc)

find ../shared/data/evtx ../shared/data/sigma/regression_data -name '*.evtx' | sort > "$work/all.txt"
find ../shared/data/evtx -name '*.evtx' -printf '%s\t%p\n' | sort -rn | awk -F'\t' 'NR == 1 { print $2 }' > "$work/largest.txt"
corpora="all largest many"
touch "$work/many.txt"
while [ "$(wc -l < "$work/many.txt")" -lt 5000 ]; do cat "$work/all.txt" >> "$work/many.txt"; done
if [ "$large_mb" -gt 0 ]; then
  python3 Benchmarks/make-large-evtx.py "$work/large.evtx" "$large_mb" ../shared/data/evtx >&2
  echo "$work/large.evtx" > "$work/large.txt"
  corpora="$corpora large"
fi

for corpus in $corpora; do
  mapfile -t files < "$work/$corpus.txt"
  bytes=$(cat "${files[@]}" | wc -c)
  records=$("$vigil" dump -q --threads "$cores" --from-list "$work/$corpus.txt" | wc -l)
  n=$rounds
  [ "$corpus" = large ] && [ "$n" -gt 3 ] && n=3
  : > "$work/$corpus.rounds"
  for _ in $(seq "$n"); do
    v1=$(python3 Benchmarks/measure.py "$vigil" dump -q --threads 1 --from-list "$work/$corpus.txt" -o /dev/null)
    vn=$(python3 Benchmarks/measure.py "$vigil" dump -q --threads "$cores" --from-list "$work/$corpus.txt" -o /dev/null)
    c1=$(python3 Benchmarks/measure.py "$python" ../shared/tools/evtx2jsonl.py -q --threads 1 --from-list "$work/$corpus.txt" -o /dev/null)
    cn=$(python3 Benchmarks/measure.py "$python" ../shared/tools/evtx2jsonl.py -q --threads "$cores" --from-list "$work/$corpus.txt" -o /dev/null)
    if [ "$corpus" = many ]; then
      va=$(python3 Benchmarks/measure.py "$vigil" dump -q --threads 1 -o /dev/null "${files[@]}")
      ca=$(python3 Benchmarks/measure.py "$python" ../shared/tools/evtx2jsonl.py -q --threads 1 -o /dev/null "${files[@]}")
      echo "$v1 $vn $c1 $cn $va $ca" >> "$work/$corpus.rounds"
    else
      echo "$v1 $vn $c1 $cn" >> "$work/$corpus.rounds"
    fi
  done
  python3 - "$work/$corpus.rounds" "$corpus" "${#files[@]}" "$records" "$bytes" "$cores" <<'PY'
import statistics, sys
path, corpus, files, records, size, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rows = [list(map(float, line.split())) for line in open(path)]
columns = list(zip(*rows))
median = [statistics.median(column) for column in columns]
v1, v1m, vn, vnm, c1, c1m, cn, cnm = median[:8]
def line(label, seconds, memory):
    return f"  {label:<22} {seconds:7.3f} s {records / seconds:>10,.0f} rec/s {size / seconds / 1e6:7.1f} MB/s {memory / 1024:7.1f} MB peak"
print(f"{corpus}: {files} files, {records:,} records, {size / 1e6:.1f} MB, median of {len(rows)} rounds")
print(line("vigil 1 thread", v1, v1m))
print(line(f"vigil {cores} threads", vn, vnm))
print(line("evtx crate 1 thread", c1, c1m))
print(line(f"evtx crate {cores} threads", cn, cnm))
print(f"  vigil {cores} threads vs vigil 1 thread: {v1 / vn:.2f}x; vigil vs crate: {c1 / v1:.2f}x (1 thread), {cn / vn:.2f}x ({cores} threads)")
if len(median) > 8:
    va, vam, ca, cam = median[8:]
    print(line("vigil 1 thread, args", va, vam))
    print(line("evtx crate 1 thr, args", ca, cam))
    print(f"  paths as arguments: vigil vs crate {ca / va:.2f}x; vigil arguments vs --from-list {va / v1:.2f}x")
PY
done
