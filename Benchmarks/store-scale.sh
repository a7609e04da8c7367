#!/usr/bin/env bash
# The store at a team's scale (Benchmarks/StoreBench), SQLite beside PostgreSQL on the same
# generated data: ATT&CK Enterprise 15.1, then OBJECTS generated STIX objects (indicators and
# their `indicates` relationships) and a case of FINDINGS findings; import throughput
# (objects/s, findings/s), then p50 and p99 over 200 runs each of `intel show APT31`, a
# relationship walk, a TAXII page (100) and a case-timeline page (100).
#
# usage: Benchmarks/store-scale.sh [OBJECTS] [FINDINGS]
#   OBJECTS   default 1000000
#   FINDINGS  default 10000000
# Starts a throwaway PostgreSQL (initdb, as the postgres user when run as root) on port
# ${VIGIL_BENCH_PG_PORT:-54349} and stops it at the end; the SQLite file goes to a temporary
# folder (about 12 GB for the defaults, the PostgreSQL data about as much).
set -euo pipefail
cd "$(dirname "$0")/.."
objects=${1:-1000000}
findings=${2:-10000000}
port=${VIGIL_BENCH_PG_PORT:-54349}
swift build -c release --package-path Benchmarks/StoreBench >&2
bench="$(swift build -c release --package-path Benchmarks/StoreBench --show-bin-path)/StoreBench"
PATH="$PATH:$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | tail -1)"
work=$(mktemp -d /tmp/vigil-store-scale.XXXXXX)
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() { as_postgres pg_ctl -D "$work/pg" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_postgres initdb -D "$work/pg" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
as_postgres pg_ctl -D "$work/pg" -w -l "$work/pg.log" -o "-c listen_addresses=127.0.0.1 -p $port -k $work/pg -c shared_buffers=1GB -c max_wal_size=8GB" start >/dev/null
mkdir -p "$work/sqlite" && chmod 777 "$work/sqlite"
"$bench" ../shared/data/attack/enterprise-attack-15.1.stix20.json "$objects" "$findings" \
  "$work/sqlite/scale.sqlite" "postgres://postgres@127.0.0.1:$port/postgres"
