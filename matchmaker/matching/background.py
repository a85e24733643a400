"""Model work nobody waits for should not take the CPU from the requests answered beside it.

A re-fit of the match index (seconds of CPU) runs on a thread that lowers its own scheduling
priority (Linux lets a thread raise its nice value), so on a busy machine the request threads
of every worker get the cores first; the swap that follows, under a lock the requests wait
on, runs back at their priority (`lowered`). Work a request waits for (embedding the firm it
stores) keeps the normal priority: lowered, it waited behind every other process of a shared
machine and held the worker's request thread meanwhile (bench/README.md, "Load").
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

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


def lowered(work: Callable[[], T], name: str, step: int | None = None) -> T:
    """`work()` run on a new thread named `name` at a lower CPU priority (`lower_priority`),
    waited for: its result, or its exception raised here. The caller keeps its own priority
    for what follows, such as a swap under a lock requests wait on (a lowered thread holding
    that lock on a busy machine was seen to wait ~90 ms for 0.2 ms of CPU)."""
    done: dict[str, object] = {}

    def run() -> None:
        lower_priority(step)
        try:
            done["result"] = work()
        except BaseException as exc:  # handed to the caller
            done["error"] = exc

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join()
    if "error" in done:
        raise done["error"]  # type: ignore[misc]
    return done["result"]  # type: ignore[return-value]
