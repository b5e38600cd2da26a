#!/usr/bin/env python3
"""Prints the kernel's CLOCK_REALTIME discipline state, read with adjtimex(modes=0).

Reading never changes the clock. Scripts compare the output before and after a run to show
that nothing wrote the clock: frequency, status bits and the PLL offset must be unchanged.
"""
import ctypes
import ctypes.util


class Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class Timex(ctypes.Structure):
    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
        ("time", Timeval), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long), ("shift", ctypes.c_int), ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long), ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("_padding", ctypes.c_int * 11),
    ]


libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
timex = Timex()
timex.modes = 0
if libc.adjtimex(ctypes.byref(timex)) < 0:
    raise SystemExit(f"adjtimex failed: errno {ctypes.get_errno()}")
# esterror/maxerror are left out: the kernel grows maxerror by itself every second.
print(f"freq={timex.freq} offset={timex.offset} status={timex.status:#x} tick={timex.tick}")
