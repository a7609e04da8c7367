#!/usr/bin/env python3
"""usage: measure.py COMMAND [ARG ...]

Runs one command (its output discarded) and prints "SECONDS PEAK_RSS_KB": wall time from a
monotonic high-resolution clock and the child's peak resident memory. Exits with the
command's status, after printing its standard error, when it fails.
"""
import resource, subprocess, sys, time

start = time.perf_counter()
result = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - start
if result.returncode != 0:
    sys.stderr.write(result.stderr.decode(errors="replace"))
    sys.exit(result.returncode)
# This process has run only the one child, so the children's peak is that child's.
print(f"{elapsed:.4f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
