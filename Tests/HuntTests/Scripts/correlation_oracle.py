#!/usr/bin/env python3
"""Expected alerts of the three Hayabusa correlation rules, computed independently of Vigil.

usage: correlation_oracle.py EVENTS.jsonl [EVENTS.jsonl ...]

Input: the evtx crate's JSON lines (../shared/tools/evtx2jsonl.py). The base rules are
written out by hand below from the YAML (not read by a Sigma library), and the windows follow
the rule Vigil documents: per group, events sorted by time; a window is every event from an
anchor event to `timespan` after it (inclusive); when the condition holds the window is an
alert and the next anchor is the first event after the window, otherwise the next event.

Output: one JSON object per alert, sorted: correlation title, group values, first and last
time (FILETIME ticks are not needed: ISO text with 7 digits), aggregate.
"""
import json
import sys

from crate_events import data, load, system, timestamp


def is_4625(event, sub_status):
    return system(event, "Channel") == "Security" and system(event, "EventID") == "4625" and data(event, "SubStatus").lower() == sub_status


def non_existent_user(event):
    return is_4625(event, "0xc0000064") and data(event, "IpAddress") != "-"


def incorrect_password(event):
    return is_4625(event, "0xc000006a") and not (data(event, "IpAddress") == "-" or data(event, "TargetUserName").lower().endswith("$"))


def explicit_logon(event):
    return system(event, "Channel") == "Security" and system(event, "EventID") == "4648" and data(event, "IpAddress") != "-"


def field(event, name):
    return system(event, name) if name == "Computer" else data(event, name)


CORRELATIONS = [
    # title, base rule, group-by, timespan seconds, aggregate, condition, value field
    ("User Guessing", non_existent_user,
     ["IpAddress", "LogonType", "TargetDomainName", "ProcessName", "LogonProcessName", "WorkstationName"], 300,
     "value_count", lambda n: n > 3, "TargetUserName"),
    ("PW Spray", explicit_logon, ["IpAddress", "Computer"], 300, "value_count", lambda n: n >= 5, "TargetUserName"),
    ("PW Guessing", incorrect_password,
     ["TargetUserName", "TargetDomainName", "IpAddress", "LogonType", "ProcessName", "LogonProcessName"], 300,
     "event_count", lambda n: n >= 5, None),
]


def main():
    events = load(sys.argv[1:])
    alerts = []
    for title, base, group_by, span, kind, condition, value_field in CORRELATIONS:
        groups = {}
        for event in events:
            if base(event):
                key = tuple(field(event, name) for name in group_by)
                groups.setdefault(key, []).append(event)
        for key, members in groups.items():
            members.sort(key=timestamp)
            anchor = 0
            while anchor < len(members):
                start = timestamp(members[anchor])
                end = anchor
                while end < len(members) and (timestamp(members[end]) - start).total_seconds() <= span:
                    end += 1
                window = members[anchor:end]
                if kind == "event_count":
                    aggregate = len(window)
                else:
                    aggregate = len({field(event, value_field) for event in window})
                if condition(aggregate):
                    alerts.append({
                        "title": title, "group": list(key), "events": len(window), "aggregate": aggregate,
                        "first": timestamp(window[0]).isoformat(), "last": timestamp(window[-1]).isoformat(),
                    })
                    anchor = end
                else:
                    anchor += 1
    alerts.sort(key=lambda alert: (alert["title"], alert["group"], alert["first"]))
    for alert in alerts:
        print(json.dumps(alert, sort_keys=True))


main()
