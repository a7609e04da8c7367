#!/usr/bin/env bash
# Builds FuzzEVTX with libFuzzer and AddressSanitizer and runs it.
#
#   Fuzz/run.sh [SECONDS] [DATA_DIR]
#
# SECONDS defaults to 600; DATA_DIR (EVTX files for seeds) to $VIGIL_DATA or ../shared/data.
# Crashes, leaks and timeouts are written to Fuzz/artifacts/; the corpus grows in
# Fuzz/corpus/ (both ignored by git).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
data="${2:-${VIGIL_DATA:-../../shared/data}}"

# SwiftPM passes `-sanitize=fuzzer` and `-sanitize=address` as two flags, and swiftc keeps
# only the last, which drops the coverage instrumentation; one combined flag keeps both.
swift build -c release --sanitize=fuzzer \
  -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address

mkdir -p corpus seeds artifacts
if [ -z "$(ls -A seeds)" ]; then python3 seeds.py "$data" seeds 600; fi
exec .build/release/FuzzEVTX corpus seeds \
  -max_len=65536 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix=artifacts/
