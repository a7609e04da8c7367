#!/usr/bin/env python3
"""Writes a seed corpus for FuzzEVTX: chunks cut from real EVTX files.

Usage: seeds.py DATA_DIR OUT_DIR [LIMIT]
Each seed is one 64 KiB chunk (the harness reads the input as a chunk), trailing zeros
removed, deduplicated by content. Every chunk of the evtx crate's own samples comes first
(damaged and unusual files: corrupt records, BinXML values without templates, NullType value
text); then the first two chunks of each other file.
"""
import hashlib
import os
import sys

data, out = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 600
os.makedirs(out, exist_ok=True)
seen = set()
paths = []
for root, _, files in os.walk(data):
    paths += [os.path.join(root, f) for f in files if f.endswith(".evtx")]
paths.sort(key=lambda path: ("evtx-crate-samples" not in path, path))
for path in paths:
    with open(path, "rb") as f:
        blob = f.read()
    # The first two chunks of each file (templates defined, then templates reused); every
    # chunk of the crate's samples.
    chunks = (len(blob) - 4096) // 65536 if "evtx-crate-samples" in path else 2
    for index in range(chunks):
        start = 4096 + index * 65536
        chunk = blob[start:start + 65536]
        if not chunk.startswith(b"ElfChnk\0"):
            break
        # Trailing zeros add nothing: the harness pads.
        chunk = chunk.rstrip(b"\0")
        digest = hashlib.sha1(chunk).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        with open(os.path.join(out, digest), "wb") as f:
            f.write(chunk)
    if len(seen) >= limit:
        break
print(f"{len(seen)} seeds in {out}")
