#!/usr/bin/env bash
# Benchmark: `vigil dump --format jsonl` against the Rust `evtx` crate (through its Python
# binding, ../shared/tools/evtx2jsonl.py), same machine, same run, alternating rounds.
#
# usage: Benchmarks/evtx-dump.sh [ROUNDS]
# Corpora: every EVTX file of ../shared/data (evtx/ and sigma/regression_data/) in one run,
# and the largest single file. Prints records/s and MB/s for vigil with 1 thread and with all
# cores, and for the crate with 1 thread, as medians; and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
python=$(../shared/tools/peer-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil

find ../shared/data/evtx ../shared/data/sigma/regression_data -name '*.evtx' | sort > "$work/all.txt"
ls -S $(find ../shared/data/evtx -name '*.evtx' | tr '\n' ' ' 2>/dev/null) 2>/dev/null | head -1 > "$work/largest.txt" || true
[ -s "$work/largest.txt" ] || find ../shared/data/evtx -name '*.evtx' -printf '%s %p\n' | sort -rn | head -1 | cut -d' ' -f2- > "$work/largest.txt"
cores=$(nproc)

seconds() {  # wall seconds of a command
  /usr/bin/time -f "%e" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  cat "$work/t"
}

for corpus in all largest; do
  mapfile -t files < "$work/$corpus.txt"
  bytes=$(cat "${files[@]}" | wc -c)
  records=$("$vigil" dump -q --threads 1 "${files[@]}" | wc -l)
  : > "$work/$corpus.rounds"
  for round in $(seq "$rounds"); do
    v1=$(seconds "$vigil" dump -q --threads 1 "${files[@]}" -o /dev/null)
    vn=$(seconds "$vigil" dump -q --threads "$cores" "${files[@]}" -o /dev/null)
    c1=$(seconds "$python" ../shared/tools/evtx2jsonl.py -q --threads 1 --from-list "$work/$corpus.txt" -o /dev/null)
    echo "$v1 $vn $c1" >> "$work/$corpus.rounds"
  done
  python3 - "$work/$corpus.rounds" "$corpus" "${#files[@]}" "$records" "$bytes" "$cores" <<'PY'
import statistics, sys
path, corpus, files, records, size, cores = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
rows = [list(map(float, line.split())) for line in open(path)]
v1, vn, c1 = (statistics.median(column) for column in zip(*rows))
rate = lambda s: f"{records / s:>9,.0f} rec/s {size / s / 1e6:6.1f} MB/s"
print(f"{corpus}: {files} files, {records:,} records, {size / 1e6:.1f} MB, median of {len(rows)} rounds")
print(f"  vigil  1 thread : {v1:6.3f} s {rate(v1)}")
print(f"  vigil  {cores} threads: {vn:6.3f} s {rate(vn)}   ({v1 / vn:.2f}x its 1-thread figure)")
print(f"  evtx crate 1 thread: {c1:6.3f} s {rate(c1)}")
print(f"  vigil 1 thread vs crate 1 thread: {c1 / v1:.2f}x")
PY
done
