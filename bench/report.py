#!/usr/bin/env python3
"""Turns bench/run.sh's results.tsv into a Markdown table with ratios against restic."""
import collections, sys

rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
data = collections.OrderedDict()
for s, op, tool, wall, cpu, rss, stored in rows:
    data[(s, op, tool)] = (float(wall), float(cpu), int(rss) // 1024, int(stored))

def mib(b):
    return f"{b / 1048576:,.1f}"

print("| data set | operation | tool | wall s | CPU s | peak RSS MiB | stored MiB | restic wall / tool wall | tool stored / restic stored |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for (s, op, tool), (wall, cpu, rss, stored) in data.items():
    r = data.get((s, op, 'restic'))
    speed = f"{r[0] / wall:.2f}x" if r and wall > 0 else ""
    size = f"{stored / r[3]:.2f}" if r and r[3] > 0 and op != 'restore' else ""
    shown = mib(stored) if op != 'restore' else ""
    print(f"| {s} | {op} | {tool} | {wall:.2f} | {cpu:.2f} | {rss} | {shown} | {speed} | {size} |")
