#!/usr/bin/env python3
"""Summarises a ci/bench-ptp-gm.sh run: the grandmaster's footprint, and how each ptp4l client
was served.

    bench_ptp_gm_report.py RUN_DIR MASTER MINUTES LOG_SYNC CLOCK_BEFORE CLOCK_AFTER

RUN_DIR holds master_usage.txt (`key value` lines from /proc), clients.txt (one `name mode` line
per client) and NAME.log per client. Offsets are local - master in nanoseconds (ptp4l's sign).
Every `master offset` line counts; the median |offset| is over all of them. Exits 1 when the
kernel clock state changed, a daemon exited early, or a client printed no line.
"""
import re
import statistics
import sys
from pathlib import Path

PTP4L_LINE = re.compile(
    r"^ptp4l\[\d+\.\d+\]: master offset\s+(?P<offset>-?\d+) s\d "
    r"freq\s+[+-]?\d+ path delay\s+(?P<delay>-?\d+)$"
)


def client_lines(log):
    """(offset ns, path delay ns) per `master offset` line."""
    rows = []
    for line in log.read_text(errors="replace").splitlines():
        match = PTP4L_LINE.match(line.strip())
        if match:
            rows.append((int(match["offset"]), int(match["delay"])))
    return rows


def usage(run_dir):
    values = {}
    for line in (run_dir / "master_usage.txt").read_text().splitlines():
        key, _, value = line.partition(" ")
        values[key] = float(value.split()[0])
    return values


def main():
    run_dir, master, minutes, log_sync, before, after = sys.argv[1:7]
    run_dir = Path(run_dir)
    use = usage(run_dir)
    cpu_s = (use["utime_ticks"] + use["stime_ticks"]) / use["clk_tck"]
    print(f"## {master} grandmaster: 1 multicast + 16 unicast ptp4l clients, {minutes} min, "
          f"Sync and Delay_Req every 2^{log_sync} s")
    print()
    print(f"{master}: VmRSS {use['VmRSS'] / 1024:.1f} MiB, VmHWM {use['VmHWM'] / 1024:.1f} MiB, "
          f"CPU {cpu_s:.2f} s over {use['wall_s']:.0f} s = {100 * cpu_s / use['wall_s']:.2f} % "
          f"of one core, {use['threads']:.0f} threads")
    print()
    print("| client | mode | `master offset` lines | median \\|offset\\| ns | median offset ns "
          "| median path delay ns | FAULT lines |")
    print("|---|---|---|---|---|---|---|")
    ok = True
    for line in (run_dir / "clients.txt").read_text().splitlines():
        name, mode = line.split()
        log = run_dir / f"{name}.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        rows = client_lines(log) if log.exists() else []
        faults = text.count("FAULT")
        if not rows:
            ok = False
            print(f"| {name} | {mode} | 0 | | | | {faults} |")
            continue
        offsets = [offset for offset, _ in rows]
        print(f"| {name} | {mode} | {len(rows)} "
              f"| {statistics.median(abs(o) for o in offsets):.0f} "
              f"| {statistics.median(offsets):+.0f} "
              f"| {statistics.median(delay for _, delay in rows):.0f} | {faults} |")
    exited = (run_dir / "exited.txt").read_text().strip()
    if exited:
        ok = False
        print(f"\nexited early: {exited}")
    print(f"\nkernel clock before: {before}\nkernel clock after:  {after}")
    if before != after:
        print("KERNEL CLOCK STATE CHANGED")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
