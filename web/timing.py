"""Per-request timings in a `Server-Timing` header, when `MATCHMAKER_SERVER_TIMING=1`.

For measuring, not for production: each answer then says how long the app worked on it
(`app`), the CPU its own thread used (`cpu`), the CPU the worker's other threads used
meanwhile (`others`: request threads, a re-fit, the watcher), the garbage collector's pauses
that overlapped it (`gc`, which hold every thread of the worker), `refit` (1 when a re-fit of
the match index ran in the worker meanwhile) and the stages `matchmaker.reference.stopwatch`
timed (`index`, `score`, `reasons`, `catchup`, ...).
`bench/load.py` reads the header to explain its slowest requests.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import deque

from flask import Flask, g

from matchmaker.matching.index import REFIT_THREAD
from matchmaker.reference import stopwatch

ENV_FLAG = "MATCHMAKER_SERVER_TIMING"

# The worker's latest garbage collections as (start, end) perf_counter pairs.
_COLLECTIONS: deque[tuple[float, float]] = deque(maxlen=256)
_COLLECTING = threading.local()


def _collector(phase: str, _info: dict) -> None:
    if phase == "start":
        _COLLECTING.began = time.perf_counter()
    elif getattr(_COLLECTING, "began", None) is not None:
        _COLLECTIONS.append((_COLLECTING.began, time.perf_counter()))
        _COLLECTING.began = None


def _kept_collections() -> list[tuple[float, float]]:
    """A copy of the kept collections. A collection that ends while the copy is taken (the
    copy's own allocation can start one) appends to the deque and spoils that copy: take another."""
    while True:
        try:
            return list(_COLLECTIONS)
        except RuntimeError:  # deque mutated during iteration
            continue


def collector_pauses(began: float, ended: float) -> float:
    """Seconds of garbage collection in this process that overlapped [began, ended] (the
    collections are kept in the order they ended: the newest are read back to `began`)."""
    total = 0.0
    for s, e in reversed(_kept_collections()):
        if e <= began:
            break
        total += max(0.0, min(e, ended) - max(s, began))
    return total


def refitting() -> bool:
    """Whether a re-fit of a match index is running for this process (the thread that
    waits on it and swaps it in)."""
    return any(t.name == REFIT_THREAD for t in threading.enumerate())


def enabled() -> bool:
    return os.environ.get(ENV_FLAG, "0") == "1"


def init_app(app: Flask) -> None:
    """Time every request when the environment asks for it (nothing otherwise)."""
    if not (enabled() or app.config.get("SERVER_TIMING")):
        return
    if _collector not in gc.callbacks:
        gc.callbacks.append(_collector)
    app.before_request(_begin)
    app.after_request(_report)
    app.teardown_request(_end)


def _begin() -> None:
    record, token = stopwatch.start()
    g.timing = (record, token, time.perf_counter(), time.thread_time(), time.process_time(),
                refitting())  # fmt: skip


def _report(response):
    began = g.get("timing")
    if began is None:
        return response
    record, _, wall0, cpu0, process0, refit = began
    wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
    parts = {
        "app": wall,
        "cpu": cpu,
        "others": max(0.0, time.process_time() - process0 - cpu),
        "gc": collector_pauses(wall0, wall0 + wall),
        **record,
    }
    timings = [f"{name};dur={1000 * seconds:.1f}" for name, seconds in parts.items()]
    if refit or refitting():
        timings.append("refit;dur=1")  # a flag: the worker re-fitted meanwhile
    response.headers["Server-Timing"] = ", ".join(timings)
    return response


def _end(_exc=None) -> None:
    began = g.pop("timing", None)
    if began is not None:
        try:
            stopwatch.stop(began[1])
        except ValueError:  # another context set it (a test client's nested requests)
            pass
