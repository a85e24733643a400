"""Model work that should not take the CPU from the requests being answered beside it.

Embedding a firm that is being stored, or re-fitting the match index, is needed but not
urgent: it runs on a thread that has lowered its own scheduling priority (Linux lets a thread
raise its nice value), so on a busy machine the request threads of every worker get the cores
first. The sentence model then has to run in the calling thread (one intra-op thread, as the
gunicorn configuration sets), or its helper threads would run at the normal priority.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

# How much lower than the request threads the background work runs (nice steps, 0..19).
NICE_STEP = 10
T = TypeVar("T")

_EXECUTOR: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def lower_priority(step: int = NICE_STEP) -> int | None:
    """Lower the calling thread's CPU priority by `step` nice steps; its nice value after, or
    None where the system does not allow it (best effort: the work runs all the same)."""
    try:
        tid = threading.get_native_id()
        nice = min(19, os.getpriority(os.PRIO_PROCESS, tid) + step)
        os.setpriority(os.PRIO_PROCESS, tid, nice)
        return os.getpriority(os.PRIO_PROCESS, tid)
    except (AttributeError, OSError) as exc:  # not Linux, or not permitted
        log.debug("background work keeps the normal priority: %s", exc)
        return None


def _executor() -> ThreadPoolExecutor:
    """The process's one low-priority thread, started on first use (after gunicorn forks)."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="low-priority", initializer=lower_priority
            )
        return _EXECUTOR


def run(fn: Callable[..., T], *args) -> T:
    """`fn(*args)` on the low-priority thread; the caller waits for it and gets its result
    (or its exception). Jobs of one process run one after another."""
    if threading.current_thread().name.startswith("low-priority"):
        return fn(*args)  # already there: queueing behind itself would never end
    return _executor().submit(fn, *args).result()


def priority_of_worker() -> int | None:
    """The nice value the low-priority thread runs at (None where it could not be read)."""

    def own() -> int | None:
        try:
            return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        except (AttributeError, OSError):
            return None

    return run(own)
