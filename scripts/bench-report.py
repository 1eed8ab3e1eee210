#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The table of scripts/bench from its raw lines:
#   BENCH ROUND DEV ROW FIO-JSON    (DEV: c = nd_pmem, dpmem)
#   BENCHV ROUND DEV ROW VALUE      (daxtool figures; DEV "ceiling": ROW is
#                                    COPY-CHUNKk, COPY: libc, movsb, movnti)
# Medians over the rounds with [min-max]. "ratio" is dpmem/C for
# throughput and C/dpmem for latency, so >= 1.00 always means dpmem is as
# good or better. It is the median of the per-round ratios: each round
# runs a row on both drivers back to back, so a pair shares the host's
# speed of the moment, which drifts by more than the drivers differ. The
# [min-max] after it is the spread of those per-round ratios.
# Targets (issue #6): block rows >= 1.00, DAX rows >= 0.98, sequential
# bandwidth within 10 % of the memcpy ceiling. Sequential rows show their
# bandwidth as a share of glibc's memcpy and of the copy the kernel does
# for them (block reads: rep movsb, block writes: movnti; fio's mmap rows
# copy with glibc), copying as much at a time as the row does, for dpmem
# and, in brackets, for C. Rows named aa-* are nd_pmem against itself
# (both columns): their ratio's spread is the noise floor of the run, and
# they have no target.
import json
import statistics
import sys

args = sys.argv[1:]
icount = "--icount" in args
args = [a for a in args if a != "--icount"]
runs = {}  # (row, dev) -> list of dicts of metrics
by_round = {}  # (row, dev, round) -> dict of metrics
ceilings = {}  # copy -> list of MB/s
for line in open(args[0]):
    f = line.split(" ", 4)
    kind, rnd, dev, row = f[0], int(f[1]), f[2], f[3]
    if kind == "BENCHV":
        v = float(f[4])
        if dev == "ceiling":
            ceilings.setdefault(row, []).append(v)
        else:
            runs.setdefault((row, dev), []).append({"faults/s": v})
            by_round[(row, dev, rnd)] = runs[(row, dev)][-1]
        continue
    job = json.loads(f[4])["jobs"][0]
    side = job["write"] if "write" in row else job["read"]
    pct = side["clat_ns"].get("percentile", {})
    runs.setdefault((row, dev), []).append({
        "IOPS": side["iops"],
        "MB/s": side["bw_bytes"] / 1e6,
        "p50 us": pct.get("50.000000", 0) / 1000.0,
        "p99 us": pct.get("99.000000", 0) / 1000.0,
    })
    by_round[(row, dev, rnd)] = runs[(row, dev)][-1]

rows = []
for (row, dev) in runs:
    if row not in rows:
        rows.append(row)
ceil = {k: statistics.median(v) for k, v in ceilings.items()}


def copies(row):
    """Ceiling keys for a sequential row: glibc memcpy, then the copy that
    moves its bytes (None for fio's mmap rows, which copy with glibc)."""
    chunk = "128k" if "128k" in row else "2048k"
    if row.startswith(("dio-", "wc-")):
        return None, None  # the NVMe disk or dm-writecache, not a copy, sets the pace
    if row.startswith("dax"):
        return "libc-" + chunk, None
    return "libc-" + chunk, ("movnti-" if row.startswith("write") else "movsb-") + chunk


def metrics_of(row):
    if row.startswith("dax-first-touch"):
        return ["faults/s"]
    if "4k" in row:
        return ["IOPS", "p50 us", "p99 us"]
    return ["MB/s", "p50 us", "p99 us"]


def stat(row, dev, m):
    v = [r[m] for r in runs.get((row, dev), [])]
    return (statistics.median(v), min(v), max(v)) if v else None


def paired_ratio(row, m):
    """Median and [min, max] of the per-round ratios (>= 1: dpmem better)."""
    r = []
    for (rw, dev, rnd), c in by_round.items():
        if rw != row or dev != "c":
            continue
        d = by_round.get((row, "dpmem", rnd))
        if not d or c[m] == 0 or d[m] == 0:
            continue
        r.append(c[m] / d[m] if m.endswith(" us") else d[m] / c[m])
    return (statistics.median(r), min(r), max(r)) if r else None


def fmt(s):
    if s is None:
        return "-"
    med, lo, hi = s
    p = "%.0f" if med >= 100 else "%.1f"
    return (p + " [" + p + "-" + p + "]") % (med, lo, hi)


n = max(len(v) for v in runs.values())
print("dpmem vs nd_pmem (fsdax map=dev), one TCG guest, median [min-max] of %d rounds" % n)
if icount:
    print("instruction-paced guest (QEMU -icount shift=0): 1 ns of guest time = 1 guest instruction")
print("ratio: dpmem/C for throughput, C/dpmem for latency (>= 1.00: dpmem as good or better),")
print("       median [min-max] of the per-round ratios (both drivers run each row back to back)")
if any(r.startswith("aa-") for r in rows):
    print("aa-*: nd_pmem against itself, both columns; the spread of its ratio is this run's noise floor")
names = {"libc": "glibc memcpy", "movsb": "rep movsb", "movnti": "movnti"}
for k in sorted(ceilings):
    how, _, chunk = k.partition("-")
    v = ceilings[k]
    print("ceiling: %-12s %5s at a time (anonymous memory): %5.0f MB/s [%.0f-%.0f]"
          % (names.get(how, how), chunk.replace("2048k", "2m") or "all", ceil[k], min(v), max(v)))
print()
print("%-26s %-9s %24s %24s %18s  %s" % ("row", "metric", "nd_pmem (C)", "dpmem", "ratio",
                                        "% of memcpy, of own copy: dpmem (C)"))
misses = []
for row in rows:
    for m in metrics_of(row):
        c, d = stat(row, "c", m), stat(row, "dpmem", m)
        pr = paired_ratio(row, m)
        ratio = pr[0] if pr else None
        ce = ""
        libc, own = copies(row) if m == "MB/s" else (None, None)
        if libc in ceil:
            ce = "%.0f %% (%.0f %%)" % (100.0 * d[0] / ceil[libc], 100.0 * c[0] / ceil[libc])
            if own in ceil:
                ce += ", %.0f %% (%.0f %%) of %s" % (100.0 * d[0] / ceil[own],
                                                    100.0 * c[0] / ceil[own],
                                                    names[own.split("-")[0]])
        # Instruction-paced figures repeat to a few instructions: show the
        # third decimal.
        rs = ((icount and "%.3f [%.3f-%.3f]" or "%.2f [%.2f-%.2f]") % pr) if pr else "-"
        print("%-26s %-9s %24s %24s %18s  %s" % (row, m, fmt(c), fmt(d), rs, ce))
        if ratio is None or m.endswith(" us") or row.startswith("aa-"):
            continue
        target = 0.98 if row.startswith("dax") else 1.00
        if ratio < target:
            misses.append(("%s %s: " + (icount and "%.3f" or "%.2f") + " < %.2f")
                          % (row, m, ratio, target))
        if libc in ceil and d[0] < 0.9 * ceil[libc]:
            misses.append("%s: %.0f MB/s is %.0f %% of the glibc memcpy ceiling (target 90 %%; C: %.0f %%)"
                          % (row, d[0], 100.0 * d[0] / ceil[libc], 100.0 * c[0] / ceil[libc]))
print()
if misses:
    print("below target (median ratios; see Documentation/driver-api/dpmem-performance.rst for causes):")
    for m in misses:
        print("  " + m)
else:
    print("every row meets its target")
