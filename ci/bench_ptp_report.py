#!/usr/bin/env python3
"""Summarises a ci/bench-ptp.sh run: `master offset` statistics per slave per series.

    bench_ptp_report.py RUN_DIR SECONDS CLOCK_BEFORE CLOCK_AFTER SERIES...

Each RUN_DIR/SERIES holds slaves.txt (one `name kind master-kind` line per slave) and NAME.log. Offsets
are local - master in nanoseconds (ptp4l's sign, and shiwa's). The first WARMUP_S seconds
after a slave's first line are left out (ptp4l's path delay filter is still filling). A
free-running ptp4l prints at most one line a second, so at 8 Hz each line is one Sync
exchange out of eight, not an average. Exits 1 when the kernel clock state changed.
"""
import math
import re
import statistics
import sys
from pathlib import Path

WARMUP_S = 10
PTP4L_LINE = re.compile(
    r"^ptp4l\[(?P<stamp>\d+\.\d+)\]: master offset\s+(?P<offset>-?\d+) s(?P<state>\d) "
    r"freq\s+[+-]?\d+ path delay\s+(?P<delay>-?\d+)$"
)


def ptp4l_series(log):
    """(seconds since the first line, offset ns, path delay ns, servo state) per line."""
    rows = []
    if not log.exists():
        return rows
    for line in log.read_text(errors="replace").splitlines():
        match = PTP4L_LINE.match(line.strip())
        if match:
            rows.append((float(match["stamp"]), int(match["offset"]), int(match["delay"]),
                         int(match["state"])))
    if rows:
        first = rows[0][0]
        rows = [(stamp - first, offset, delay, state) for stamp, offset, delay, state in rows]
    return rows


SHIWA_LINE = re.compile(
    r"^(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z\s+DEBUG master offset\s+"
    r"(?P<offset>-?\d+) s(?P<state>\d) freq\s+[+-]?\d+ path delay\s+(?P<delay>-?\d+)"
)


def shiwa_series(log):
    """The same rows from shiwa's debug line (`master offset N sS freq N path delay N`)."""
    from datetime import datetime
    rows = []
    if not log.exists():
        return rows
    for line in log.read_text(errors="replace").splitlines():
        match = SHIWA_LINE.match(line.strip())
        if match:
            stamp = datetime.fromisoformat(match["stamp"][:26]).timestamp()
            # shiwa says s2 once in SLAVE; the report's "left s0" note is about ptp4l.
            rows.append((stamp, int(match["offset"]), int(match["delay"]), 0))
    if rows:
        first = rows[0][0]
        rows = [(stamp - first, offset, delay, state) for stamp, offset, delay, state in rows]
    return rows


# A slave's kind names the parser of its log.
PARSERS = {"ptp4l": ptp4l_series, "shiwa": shiwa_series}


def faults(log):
    if not log.exists():
        return 0
    return sum("FAULT" in line for line in log.read_text(errors="replace").splitlines())


def row(series, name, kind, master, rows, log):
    kept = [r for r in rows if r[0] >= WARMUP_S]
    offsets = [r[1] for r in kept]
    notes = []
    if any(r[3] != 0 for r in rows):
        notes.append("servo left s0")
    if faults(log):
        notes.append(f"{faults(log)} FAULT lines")
    if len(offsets) < 2:
        return (f"| {series} | {master} | {name} ({kind}) | {len(offsets)} | no data | | | | "
                f"{'; '.join(notes)} |")
    ordered = sorted(abs(v) for v in offsets)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    delay = statistics.median(r[2] for r in kept)
    return (f"| {series} | {master} | {name} ({kind}) | {len(offsets)} | {statistics.fmean(offsets):+.0f} | "
            f"{statistics.stdev(offsets):.0f} | {p99:.0f} | {delay:.0f} | {'; '.join(notes)} |")


def main():
    run_dir, seconds = Path(sys.argv[1]), int(sys.argv[2])
    clock_before, clock_after, series_names = sys.argv[3], sys.argv[4], sys.argv[5:]
    lines = [
        f"On one bridge at once: ptp4l master -> ptp4l and shiwa slaves (domain 0), shiwa "
        f"grandmaster -> ptp4l slave (domain 1); veth, software timestamps, true offset 0; "
        f"{len(series_names)} series of {seconds} s; ns, local - master; first {WARMUP_S} s "
        f"after the first line left out; p99 is of |offset|.",
        "",
        "| series | master | slave | lines | mean | SD | p99 | median path delay | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for series in series_names:
        series_dir = run_dir / series
        for entry in (series_dir / "slaves.txt").read_text().split("\n"):
            if not entry.strip():
                continue
            name, kind, master = entry.split()
            log = series_dir / f"{name}.log"
            lines.append(row(series, name, kind, master, PARSERS[kind](log), log))
        exited = series_dir / "exited.txt"
        if exited.exists():
            lines.append(f"| {series} | | {exited.read_text().strip()} | | | | | | |")
    lines.append("")
    same = clock_before == clock_after
    lines.append(f"kernel clock state before: `{clock_before}`; after: `{clock_after}`: "
                 + ("unchanged" if same else "CHANGED"))
    print("\n".join(lines))
    if not same:
        sys.exit(1)


main()
