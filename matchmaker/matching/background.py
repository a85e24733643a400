"""Model work nobody waits for should not take the CPU from the requests answered beside it.

A re-fit of the match index (seconds of CPU) runs on a thread that lowers its own scheduling
priority (Linux lets a thread raise its nice value), so on a busy machine the request threads
of every worker get the cores first. Work a request waits for (embedding the firm it stores)
keeps the normal priority: lowered, it waited behind every other process of a shared machine
and held the worker's request thread meanwhile (bench/README.md, "Load").
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

# How much lower than the request threads background work runs (nice steps, 0..19;
# MATCHMAKER_BACKGROUND_NICE, 0 to keep the normal priority).
NICE_STEP = int(os.environ.get("MATCHMAKER_BACKGROUND_NICE", "10"))


def lower_priority(step: int | None = None) -> int | None:
    """Lower the calling thread's CPU priority by `step` nice steps (default NICE_STEP); its
    nice value after, or None where the system does not allow it (best effort: the work runs
    all the same)."""
    step = NICE_STEP if step is None else step
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + step))
        return os.getpriority(os.PRIO_PROCESS, tid)
    except (AttributeError, OSError) as exc:  # not Linux, or not permitted
        log.debug("background work keeps the normal priority: %s", exc)
        return None
