#!/usr/bin/env python3
"""disk-breakdown.py STORE MESSAGES - where the bytes of an imstore store go,
per message: each database's pages (branch, leaf, overflow) from
`mdb_stat -efa`, LMDB's free pages, and the file as a whole.  For a store
kept by the bench: imstore-bench --scale 0.05 --keep --ingest-only, then
disk-breakdown.py build/bench/run.*/imstore-large 68300 (BENCHMARKS.md)."""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: disk-breakdown.py STORE MESSAGES")
    store, n = sys.argv[1], int(sys.argv[2])
    out = subprocess.run(["mdb_stat", "-efa", store], capture_output=True,
                         text=True, check=True).stdout
    sec, stats, used, psize = None, {}, 0, 4096
    for line in out.splitlines():
        m = re.match(r"Status of (?:Database )?(.*)", line)
        if m:
            sec = m.group(1)
            stats[sec] = {}
            continue
        if line.startswith("Freelist Status"):
            sec = "(freelist tree)"
            stats[sec] = {}
            continue
        m = re.match(r"\s+Number of pages used: (\d+)", line)
        if m:
            used = int(m.group(1))
        m = re.match(r"\s+Page size: (\d+)", line)
        if m:
            psize = int(m.group(1))
        m = re.match(r"\s+([A-Za-z ]+): (\d+)", line)
        if m and sec:
            stats[sec][m.group(1)] = int(m.group(2))
    free = stats.get("(freelist tree)", {}).get("Free pages", 0)
    per = psize / n
    print(f"file: {used} pages, {used * per:.0f} B/message;"
          f" free pages {free}, {free * per:.0f} B/message")
    print(f"{'database':16s} {'pages':>8s} {'overflow':>8s} {'entries':>9s} {'B/message':>9s}")
    for name, v in sorted(stats.items()):
        pages = sum(v.get(k, 0) for k in ("Branch pages", "Leaf pages", "Overflow pages"))
        if pages:
            print(f"{name:16s} {pages:8d} {v.get('Overflow pages', 0):8d}"
                  f" {v.get('Entries', 0):9d} {pages * per:9.1f}")


if __name__ == "__main__":
    main()
