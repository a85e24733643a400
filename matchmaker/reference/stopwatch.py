"""Where a request's time goes: named stages, timed only while a caller records them.

`recording()` starts a record for the current thread (or task); `stage(name)` adds the wall
time of its block to the record, and does nothing (one context-variable read) when nobody
records. The web app records when `MATCHMAKER_SERVER_TIMING=1` and reports the stages in a
`Server-Timing` header, which `bench/load.py` reads to explain its slow requests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_RECORD: ContextVar[dict[str, float] | None] = ContextVar("stopwatch_record", default=None)


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """A fresh record of stage seconds by name, filled by `stage` blocks until the end."""
    record: dict[str, float] = {}
    token = _RECORD.set(record)
    try:
        yield record
    finally:
        _RECORD.reset(token)


def start() -> tuple[dict[str, float], object]:
    """Start a record without a `with` block (a request's before and after hooks); hand the
    token to `stop`."""
    record: dict[str, float] = {}
    return record, _RECORD.set(record)


def stop(token) -> None:
    """End the record `start` began."""
    _RECORD.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add this block's wall time to the current record under `name` (if one is kept)."""
    record = _RECORD.get()
    if record is None:
        yield
        return
    began = time.perf_counter()
    try:
        yield
    finally:
        record[name] = record.get(name, 0.0) + time.perf_counter() - began
