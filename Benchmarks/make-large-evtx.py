#!/usr/bin/env python3
"""usage: make-large-evtx.py OUT.evtx SIZE_MB [EVTX_DIR ...]

Builds a large EVTX file from the chunks of real sample files: a fresh file header, then
the samples' 64 KiB chunks (those with an "ElfChnk" signature) repeated in order until the
file reaches SIZE_MB. Chunks are copied unchanged (their own record numbers and checksums),
so every record parses as in its source. For speed and memory benchmarks only.
"""
import os, struct, sys, zlib

def chunks_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"ElfFile\0":
        return []
    start = struct.unpack_from("<H", data, 40)[0] or 4096
    out = []
    for offset in range(start, len(data) - 65535, 65536):
        chunk = data[offset:offset + 65536]
        if chunk[:8] == b"ElfChnk\0":
            out.append(chunk)
    return out

def main():
    out, size_mb = sys.argv[1], int(sys.argv[2])
    roots = sys.argv[3:] or ["../shared/data/evtx"]
    samples = []
    for root in roots:
        for dirpath, _, names in sorted(os.walk(root)):
            for name in sorted(names):
                if name.endswith(".evtx"):
                    samples.extend(chunks_of(os.path.join(dirpath, name)))
    count = max(1, (size_mb * 1024 * 1024 - 4096) // 65536)
    if count > 65535:
        sys.exit("at most 65535 chunks (about 4 GB) fit an EVTX header")
    header = bytearray(4096)
    header[0:8] = b"ElfFile\0"
    struct.pack_into("<QQQIHHHH", header, 8, 0, count - 1, 1, 128, 1, 3, 4096, count)
    struct.pack_into("<I", header, 120, 0)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])) & 0xFFFFFFFF)
    with open(out, "wb") as f:
        f.write(header)
        for index in range(count):
            f.write(samples[index % len(samples)])
    print(f"{out}: {count} chunks from {len(samples)} sample chunks, {os.path.getsize(out) / 1e6:.0f} MB")

main()
