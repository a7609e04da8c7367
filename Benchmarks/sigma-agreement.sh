#!/usr/bin/env bash
# Per-rule agreement of `vigil hunt` with the pySigma + SQLite oracle (../shared/tools/
# sigma_oracle.py, pipelines sysmon,windows-logsources) over every EVTX file of
# ../shared/data/evtx with every Windows rule. Prints the rules the oracle converted, how many
# have equal match counts, and for each difference the events only one side matched, with the
# channel and event id of an example (matched by file and record id through the crate's index).
#
# usage: Benchmarks/sigma-agreement.sh [RULES_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
rules=${1:-../shared/data/sigma/rules/windows}
python=$(../shared/tools/peer-python)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --product vigil >&2
vigil=$(swift build -c release --show-bin-path)/vigil
"$python" ../shared/tools/evtx2jsonl.py --threads 1 --from-dir ../shared/data/evtx -o "$work/events.jsonl" --index "$work/index.tsv" 2>/dev/null
"$python" ../shared/tools/sigma_oracle.py --rules "$rules" --events "$work/events.jsonl" -o "$work/oracle.jsonl" 2>/dev/null
"$vigil" hunt -q --rules "$rules" --format jsonl ../shared/data/evtx -o "$work/vigil.jsonl"
python3 - "$work" <<'PY'
import collections, json, os, sys
work = sys.argv[1]
index = [line.rstrip("\n").split("\t") for line in open(f"{work}/index.tsv")]
events = open(f"{work}/events.jsonl").read().splitlines()
where = {(os.path.normpath(path), int(record)): int(line) for line, path, record in index}
ours = collections.defaultdict(set)
for line in open(f"{work}/vigil.jsonl"):
    finding = json.loads(line)
    ours[finding["rule_id"]].add((os.path.normpath(finding["evidence"]), int(finding["record_id"])))
statuses = collections.Counter()
equal, different = 0, []
for line in open(f"{work}/oracle.jsonl"):
    rule = json.loads(line)
    statuses[rule["status"]] += 1
    if rule["status"] != "ok":
        if ours.get(rule["rule_id"]):
            different.append((rule, set(), ours[rule["rule_id"]]))
        continue
    theirs = {(os.path.normpath(index[i][1]), int(index[i][2])) for i in rule["event_indexes"]}
    if theirs == ours.get(rule["rule_id"], set()):
        equal += 1
    else:
        different.append((rule, theirs - ours[rule["rule_id"]], ours[rule["rule_id"]] - theirs))
def example(keys):
    if not keys:
        return ""
    key = sorted(keys)[0]
    system = json.loads(events[where[key]])["Event"]["System"]
    event_id = system["EventID"]["#text"] if isinstance(system["EventID"], dict) else system["EventID"]
    return f"e.g. {os.path.basename(key[0])} record {key[1]} ({system.get('Channel')} {event_id})"
print(f"oracle: {dict(statuses)}; converted rules with equal matches: {equal} of {statuses['ok']}")
for rule, only_oracle, only_vigil in sorted(different, key=lambda item: item[0]["title"]):
    print(f"- {rule['title']} [{rule['status']}]: oracle only {len(only_oracle)} {example(only_oracle)}; vigil only {len(only_vigil)} {example(only_vigil)}")
PY
