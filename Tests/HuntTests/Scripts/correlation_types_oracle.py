#!/usr/bin/env python3
"""Expected alerts of Tests/Fixtures/correlation/correlation-types.yml, computed independently.

usage: correlation_types_oracle.py EVENTS.jsonl [EVENTS.jsonl ...]

Input: the evtx crate's JSON lines. The base rules are written out by hand below; windows
follow the rule Vigil documents (per group, events in time order; a window runs from an anchor
event to `timespan` after it, inclusive; when the condition holds it is an alert and the next
anchor is the first event after it, otherwise the next event). Aggregates, as the Sigma
correlation specification describes them: temporal counts the distinct rules in the window;
temporal_ordered needs the rules to occur in their order; value_sum and value_avg add or
average the numeric field; value_percentile gives, for each value of the field, the share (in
percent) of the window's events that carry it, and alerts for each value whose share holds.

Output: one JSON object per alert, sorted (title, group, first, value).
"""
import json
import re
import sys

from crate_events import data, load, system, timestamp


def security(event, event_id):
    return system(event, "Channel") == "Security" and system(event, "EventID") == str(event_id)


RULES = {
    "failed_network_logon": lambda e: security(e, 4625) and data(e, "LogonType") == "3",
    "explicit_logon_a_m": lambda e: security(e, 4648) and re.match(r"^[a-mA-M]", data(e, "TargetUserName")) is not None,
    "explicit_logon_n_z": lambda e: security(e, 4648) and re.match(r"^[n-zN-Z]", data(e, "TargetUserName")) is not None,
    "explicit_logon": lambda e: security(e, 4648),
}

CORRELATIONS = [
    # title, kind, rules, group-by, timespan seconds, field, condition
    ("Both Halves Of The Alphabet Within 2 Seconds", "temporal", ["explicit_logon_a_m", "explicit_logon_n_z"],
     ["IpAddress"], 2, None, lambda n: n >= 2),
    ("N To Z Then A To M Within 2 Seconds", "temporal_ordered", ["explicit_logon_n_z", "explicit_logon_a_m"],
     ["IpAddress"], 2, None, lambda n: n >= 2),
    ("Source Ports Add Up Within 10 Seconds", "value_sum", ["failed_network_logon"], ["IpAddress"], 10, "IpPort",
     lambda n: n >= 4000000),
    ("High Average Source Port Within 5 Seconds", "value_avg", ["failed_network_logon"], ["IpAddress"], 5, "IpPort",
     lambda n: n > 45000),
    ("Rare Target User Within An Hour", "value_percentile", ["explicit_logon"], ["IpAddress"], 3600, "TargetUserName",
     lambda n: n <= 2.5),
]


def window_results(kind, rules, field, condition, window):
    """(aggregate, value, events) for each alert the window gives."""
    if kind == "temporal":
        distinct = len({slot for slot, _ in window})
        return [(distinct, None, len(window))] if condition(distinct) else []
    if kind == "temporal_ordered":
        expected = 0
        for slot, _ in window:
            if slot == expected:
                expected += 1
                if expected == len(rules):
                    break
        return [(expected, None, len(window))] if expected == len(rules) and condition(expected) else []
    if kind in ("value_sum", "value_avg"):
        numbers = [float(data(event, field)) for _, event in window if data(event, field) != ""]
        if not numbers:
            return []
        aggregate = sum(numbers) if kind == "value_sum" else sum(numbers) / len(numbers)
        return [(aggregate, None, len(window))] if condition(aggregate) else []
    counts = {}
    for _, event in window:
        counts[data(event, field)] = counts.get(data(event, field), 0) + 1
    results = []
    for value in sorted(counts):
        share = counts[value] / len(window) * 100
        if condition(share):
            results.append((share, value, counts[value]))
    return results


def main():
    events = load(sys.argv[1:])
    alerts = []
    for title, kind, rules, group_by, span, field, condition in CORRELATIONS:
        groups = {}
        for event in events:
            for slot, rule in enumerate(rules):
                if RULES[rule](event):
                    key = tuple(data(event, name) for name in group_by)
                    groups.setdefault(key, []).append((slot, event))
        for key, members in groups.items():
            members.sort(key=lambda member: timestamp(member[1]))
            anchor = 0
            while anchor < len(members):
                start = timestamp(members[anchor][1])
                end = anchor
                while end < len(members) and (timestamp(members[end][1]) - start).total_seconds() <= span:
                    end += 1
                window = members[anchor:end]
                results = window_results(kind, rules, field, condition, window)
                for aggregate, value, count in results:
                    alerts.append({
                        "title": title, "group": list(key), "events": count, "aggregate": round(aggregate, 6),
                        "value": value, "first": timestamp(window[0][1]).isoformat(), "last": timestamp(window[-1][1]).isoformat(),
                    })
                anchor = end if results else anchor + 1
    alerts.sort(key=lambda alert: (alert["title"], alert["group"], alert["first"], alert["value"] or ""))
    for alert in alerts:
        print(json.dumps(alert, sort_keys=True))


main()
