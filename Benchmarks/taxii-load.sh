#!/usr/bin/env bash
# Load on the TAXII 2.1 server: `vigil serve` (release build, SQLite store) side by side with
# medallion, the OASIS reference server (memory backend), on the same objects in the same run,
# on loopback. Paged GET objects and GET manifest (limit 100, each `next` cursor used once;
# Benchmarks/taxii-pages.lua) at 1, 8 and 64 connections.
#
# 1. vigil: wrk for SECONDS_VIGIL per run, ROUNDS rounds; requests/s, p50, p99 per run, then
#    the medians.
# 2. medallion: one page takes it minutes on 10,000 ATT&CK objects, so rounds are out of
#    reach: at 1 connection MEDALLION_PAGES pages are timed one after the other; at 8 and 64
#    connections wrk runs for SECONDS_MEDALLION and counts what completed. medallion is
#    restarted before each measurement (requests a client gave up on keep its one core busy).
# 3. with SOAK=SECONDS: vigil alone under 64 connections for that long, its resident memory
#    (anonymous and total) sampled every 30 s.
#
# usage: Benchmarks/taxii-load.sh [ROUNDS]      (default 3)
#   OBJECTS=10000 (from ATT&CK Enterprise 15.1)  SECONDS_VIGIL=15  SECONDS_MEDALLION=60
#   MEDALLION_PAGES=1  SOAK=0
# Needs wrk (apt-get install wrk) and the peers' venv (../shared/tools/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
objects=${OBJECTS:-10000}
seconds_vigil=${SECONDS_VIGIL:-15}
seconds_medallion=${SECONDS_MEDALLION:-60}
medallion_pages=${MEDALLION_PAGES:-1}
soak=${SOAK:-0}
command -v wrk >/dev/null || { echo "taxii-load.sh needs wrk: apt-get install wrk" >&2; exit 1; }
python=$(../shared/tools/peer-python)
bundle=../shared/data/attack/enterprise-attack-15.1.stix20.json
vigil_port=9611
medallion_port=9612
work=$(mktemp -d)
medallion_pid=
cleanup() {
  [[ -n ${vigil_pid:-} ]] && kill "$vigil_pid" 2>/dev/null
  [[ -n $medallion_pid ]] && kill -9 "$medallion_pid" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil

# The same objects for both: the first $objects of the bundle.
"$python" - "$bundle" "$objects" "$work/objects.json" <<'PY'
import json, sys
bundle = json.load(open(sys.argv[1]))
bundle["objects"] = bundle["objects"][: int(sys.argv[2])]
json.dump(bundle, open(sys.argv[3], "w"))
PY

accept="Accept: application/taxii+json;version=2.1"
auth="Basic $(printf 'bench:bench-password' | base64)"
medallion_auth="Basic $(printf 'admin:Password0' | base64)"
vigil_base="http://127.0.0.1:$vigil_port/api/collections/default"
medallion_base="http://127.0.0.1:$medallion_port/api1/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116"

wait_until_served() {  # URL AUTH
  for _ in $(seq 300); do
    curl -sf -o /dev/null -H "$accept" -H "Authorization: $2" "$1" && return
    sleep 0.2
  done
  echo "no answer from $1" >&2; exit 1
}

# wrk's summary in one line: requests/s p50_ms p99_ms requests errors
run_wrk() {  # SECONDS CONNECTIONS URL AUTH
  local threads=$(( $2 < 2 ? 1 : 2 ))
  wrk -t "$threads" -c "$2" -d "${1}s" --timeout 60s --latency -s Benchmarks/taxii-pages.lua "$3" -- "/${3#http://*/}" 100 "$4" \
    | awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; return v * 1000 }
      /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
      /requests in/ { requests = $1 }
      /Socket errors/ { split($0, e, /[ ,]+/); for (i = 1; i <= length(e); i++) if (e[i] ~ /^[0-9]+$/) errors += e[i] }
      /Non-2xx/ { errors += $NF }
      /^Requests\/sec/ { rps = $2 }
      END { printf "%.1f %.2f %.2f %d %d\n", rps, p50, p99, requests, errors }'
}

export VIGIL_DB="$work/vigil.sqlite"
"$vigil" intel import "$work/objects.json" >/dev/null 2>&1
VIGIL_PASSWORD=bench-password "$vigil" users add bench --clearance amber >/dev/null
"$vigil" serve --port "$vigil_port" > "$work/vigil.log" 2>&1 &
vigil_pid=$!
wait_until_served "$vigil_base/objects/?limit=1" "$auth"

echo "objects: $objects of $(basename "$bundle"), cores: $(nproc), limit 100"
echo "vigil: $rounds rounds, wrk ${seconds_vigil}s per run"
results=$work/vigil.txt
for round in $(seq "$rounds"); do
  for resource in objects manifest; do
    for connections in 1 8 64; do
      read -r rps p50 p99 requests errors < <(run_wrk "$seconds_vigil" "$connections" "$vigil_base/$resource/" "$auth")
      echo "$resource $connections $rps $p50 $p99 $errors" >> "$results"
      printf '  round %d %-8s %2d conn: %8.1f req/s p50 %6.2f ms p99 %6.2f ms (%d requests, %d errors)\n' \
        "$round" "$resource" "$connections" "$rps" "$p50" "$p99" "$requests" "$errors"
    done
  done
done
python3 - "$results" > "$work/vigil-medians.txt" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault((f[0], f[1]), []).append([float(x) for x in f[2:]])
for (resource, connections), runs in rows.items():
    print(resource, connections, *(statistics.median(column) for column in zip(*runs)))
PY

if (( soak > 0 )); then
  rss() { awk '/^RssAnon/ { anon = $2 } /^VmRSS/ { total = $2 } END { printf "%.1f/%.1f", anon / 1024, total / 1024 }' "/proc/$vigil_pid/status"; }
  echo "soak: vigil, objects, 64 connections, ${soak}s; resident memory every 30 s (MB, anonymous/total):"
  run_wrk "$soak" 64 "$vigil_base/objects/" "$auth" > "$work/soak.txt" &
  wrk_pid=$!
  samples=()
  while kill -0 "$wrk_pid" 2>/dev/null; do samples+=("$(rss)"); sleep 30; done
  wait "$wrk_pid"
  echo "  ${samples[*]}"
  read -r rps p50 p99 requests errors < "$work/soak.txt"
  echo "  $requests requests, $rps req/s, p50 $p50 ms, p99 $p99 ms, $errors errors; after: $(rss)"
fi
kill "$vigil_pid"; wait "$vigil_pid" 2>/dev/null || true; vigil_pid=

"$python" ../shared/tools/medallion_setup.py --dir "$work/medallion" --port "$medallion_port" \
  --seed-bundle "$work/objects.json" --max-page-size 100 >/dev/null
start_medallion() {
  [[ -n $medallion_pid ]] && { kill -9 "$medallion_pid" 2>/dev/null; wait "$medallion_pid" 2>/dev/null || true; }
  "$(dirname "$python")/medallion" --host 127.0.0.1 --port "$medallion_port" --log-level WARN "$work/medallion/config.json" \
    > "$work/medallion.log" 2>&1 &
  medallion_pid=$!
  # discovery answers as soon as the data is loaded, without paging the collection.
  wait_until_served "http://127.0.0.1:$medallion_port/taxii2/" "$medallion_auth"
}
echo "medallion: $medallion_pages page(s) one after the other at 1 connection; wrk ${seconds_medallion}s at 8 and 64"
medallion_results=$work/medallion.txt
for resource in objects manifest; do
  start_medallion
  times=()
  url="$medallion_base/$resource/?limit=100"
  for _ in $(seq "$medallion_pages"); do
    read -r code seconds < <(curl -s -o "$work/page.json" -w '%{http_code} %{time_total}\n' -H "$accept" -H "Authorization: $medallion_auth" "$url")
    [[ $code == 200 ]] || { echo "medallion answered $code" >&2; exit 1; }
    times+=("$seconds")
    next=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("next") or "")' "$work/page.json")
    url="$medallion_base/$resource/?limit=100${next:+&next=$next}"
  done
  read -r rps p50 <<<"$(printf '%s\n' "${times[@]}" | python3 -c 'import statistics,sys; t=[float(x) for x in sys.stdin]; print(len(t)/sum(t), statistics.median(t)*1000)')"
  echo "$resource 1 $rps $p50 $p50 0" >> "$medallion_results"
  printf '  %-8s  1 conn: %8.4f req/s, page times %s s\n' "$resource" "$rps" "${times[*]}"
  for connections in 8 64; do
    start_medallion
    read -r rps p50 p99 requests errors < <(run_wrk "$seconds_medallion" "$connections" "$medallion_base/$resource/" "$medallion_auth")
    echo "$resource $connections $rps $p50 $p99 $errors $requests" >> "$medallion_results"
    printf '  %-8s %2d conn: %d requests completed in %d s (%d errors)\n' "$resource" "$connections" "$requests" "$seconds_medallion" "$errors"
  done
done

echo "medians (vigil) against medallion; where medallion completed nothing, its rate is below 1/${seconds_medallion}s"
python3 - "$work/vigil-medians.txt" "$medallion_results" "$seconds_medallion" <<'PY'
import sys
vigil = {tuple(l.split()[:2]): [float(x) for x in l.split()[2:]] for l in open(sys.argv[1])}
medallion = {tuple(l.split()[:2]): l.split()[2:] for l in open(sys.argv[2])}
window = float(sys.argv[3])
for key, (rps, p50, p99, errors) in vigil.items():
    m = medallion.get(key)
    m_rps = float(m[0]) if m else 0.0
    if m_rps > 0:
        versus = f"medallion {m_rps:.4f} req/s, {rps / m_rps:,.0f}x"
    else:
        versus = f"medallion completed nothing in {window:.0f} s: more than {rps * window:,.0f}x"
    print(f"  {key[0]:8} {key[1]:>2} conn: vigil {rps:8.1f} req/s p50 {p50:6.2f} ms p99 {p99:6.2f} ms errors {errors:.0f} | {versus}")
PY
