#!/usr/bin/env python3
"""Summarises a ci/bench-ntp.sh run: offset statistics of shiwa and chronyd, side by side.

All offsets are local - reference in nanoseconds (chrony logs the opposite sign; it is
negated here). chronyd runs with -x, so its logs measure against its model of the clock; they
are moved onto the real clock with `System time` from chronyc tracking, sampled each second. The first 60 s of every series are warm-up and left out.
"""
import math
import re
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

WARMUP_S = 60
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def stats(values):
    if len(values) < 2:
        return None
    ordered = sorted(abs(v) for v in values)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return len(values), statistics.fmean(values), statistics.stdev(values), p99


def chrony_series(path, column):
    """(epoch seconds, local - reference ns) from a chrony measurements/statistics log."""
    series = []
    if not path.exists():
        return series
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) <= column or not re.match(r"\d{4}-\d\d-\d\d", fields[0]):
            continue
        when = datetime.strptime(f"{fields[0]} {fields[1]}", "%Y-%m-%d %H:%M:%S")
        series.append((when.replace(tzinfo=timezone.utc).timestamp(), -float(fields[column]) * 1e9))
    return series


def system_time_series(path):
    """(epoch seconds, local - reference ns) sampled from chronyc tracking's `System time`."""
    if not path.exists():
        return []
    return [(float(t), float(v)) for t, v in (line.split() for line in path.read_text().splitlines())]


def on_real_clock(measured, system_time):
    """chronyd's measurement offsets (against its model clock) moved onto the real clock: plus
    the model's offset from it (System time) at the nearest sampled second."""
    if not system_time:
        return []
    times = [t for t, _ in system_time]
    moved = []
    for when, offset in measured:
        nearest = min(range(len(times)), key=lambda i: abs(times[i] - when))
        if abs(times[nearest] - when) <= 2:
            moved.append(offset + system_time[nearest][1])
    return moved


def shiwa_series(path):
    """(sample index, raw ns, filtered ns) from `ntp sample` debug lines of shiwa sync."""
    raw, filtered = [], []
    if not path.exists():
        return raw, filtered
    for line in path.read_text().splitlines():
        line = ANSI.sub("", line)
        if "ntp sample" not in line:
            continue
        fields = dict(re.findall(r"(\w+)=(-?\d+)", line))
        if "raw_offset_ns" in fields:
            raw.append(int(fields["raw_offset_ns"]))
        if "filtered_offset_ns" in fields:
            filtered.append(int(fields["filtered_offset_ns"]))
    return raw, filtered


def after_warmup(series, poll_s):
    skip = int(WARMUP_S / poll_s)
    return series[skip:]


def row(name, values):
    s = stats(values)
    if s is None:
        return f"| {name} | no data | | | |"
    n, mean, sd, p99 = s
    return f"| {name} | {n} | {mean:+.0f} | {sd:.0f} | {p99:.0f} |"


def main():
    run_dir, seconds, clock_before, clock_after = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    lines = [
        f"Run of {int(seconds) // 60} min against chronyd on veth (true offset 0); ns, local - reference; "
        f"first {WARMUP_S} s left out; p99 is of |offset|.",
        "",
        "| series | samples | mean | SD | p99 |",
        "|---|---|---|---|---|",
    ]
    for mode, poll in (("basic", 1.0), ("xleave", 0.25)):
        label = "basic, 1 s poll" if mode == "basic" else "interleaved, 0.25 s poll"
        raw, filtered = shiwa_series(run_dir / f"shiwa-{mode}.log")
        lines.append(row(f"shiwa {label}: raw", after_warmup(raw, poll)))
        lines.append(row(f"shiwa {label}: filtered", after_warmup(filtered, poll)))
        scraped = run_dir / f"shiwa-{mode}-scraped.log"
        if scraped.exists():
            raw, filtered = shiwa_series(scraped)
            lines.append(row(f"shiwa {label}, /metrics scraped 1/s: raw", after_warmup(raw, poll)))
            lines.append(row(f"shiwa {label}, /metrics scraped 1/s: filtered",
                             after_warmup(filtered, poll)))
        measured = chrony_series(run_dir / mode / "measurements.log", 11)
        system_time = system_time_series(run_dir / mode / "system_time.txt")
        lines.append(row(f"chronyd {label}: raw (measurement + System time)",
                         after_warmup(on_real_clock(measured, system_time), poll)))
        lines.append(row(f"chronyd {label}: filtered (tracking System time, 1 Hz)",
                         after_warmup([v for _, v in system_time], 1.0)))
    lines.append("")
    process = (run_dir / "process.txt").read_text().split()
    lines.append("shiwa processes: " + ", ".join(
        f"{process[i]}={process[i + 1]}" for i in range(0, len(process), 2)))
    status = sorted(int(v) for v in (run_dir / "status_us.txt").read_text().split())
    if status:
        lines.append(f"`shiwa status --json` wall time over {len(status)} runs: median "
                     f"{status[len(status) // 2] / 1000:.2f} ms, max {status[-1] / 1000:.2f} ms")
    same = clock_before == clock_after
    lines.append(f"kernel clock state before: `{clock_before}`; after: `{clock_after}`: "
                 + ("unchanged" if same else "CHANGED"))
    print("\n".join(lines))
    if not same:
        sys.exit(1)


main()
