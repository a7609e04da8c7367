"""Reading the evtx crate's JSON lines (../shared/tools/evtx2jsonl.py), for the oracle scripts."""
import json
from datetime import datetime, timezone


def load(paths):
    """Every event of the files, in file order."""
    events = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            events += [json.loads(line) for line in handle if line.strip()]
    return events


def data(event, name):
    """An EventData value as text ('' when absent)."""
    value = (event["Event"].get("EventData") or {}).get(name)
    return "" if value is None else str(value)


def system(event, name):
    """A System value as text ('' when absent)."""
    value = event["Event"]["System"].get(name)
    if isinstance(value, dict):
        value = value.get("#text")
    return "" if value is None else str(value)


def timestamp(event):
    """TimeCreated as a UTC datetime (the crate writes microseconds)."""
    text = event["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"]
    return datetime.strptime(text.rstrip("Z")[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc)
