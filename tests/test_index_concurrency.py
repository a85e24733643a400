"""The match index under concurrent reads and writes: a reader never sees a half-built index."""

from __future__ import annotations

import threading
import time

from test_matching import FIRMS, insert_firms

from matchmaker import matching
from matchmaker.store import db as store


def _whole(index) -> bool:
    """Every part of a snapshot describes the same firms."""
    ids = list(index.vectors_.ids)
    return (
        set(ids) == set(index.profiles_)
        and [index.row_[c] for c in ids] == list(range(len(ids)))
        and len(index.facts_.regions) == len(ids) == index.vectors_.dense["needs"].shape[0]
        and index.vectors_.sparse["needs"].shape[0] == len(ids)
    )


def test_readers_only_ever_see_whole_snapshots_while_firms_change(tmp_path):
    path = tmp_path / "t.sqlite3"
    db = store.connect(path)
    ids = insert_firms(db, FIRMS[:3])
    matching.match_index(db)  # built once, before the race
    seen, errors, stop = [], [], threading.Event()

    def read():
        reader = store.connect(path)
        while not stop.is_set():
            try:
                index = matching.match_index(reader)  # one reference per request
                seen.append((len(index), _whole(index)))
                matching.partner_suggestions(index, ids["Nordisk Emballage ApS"], limit=3)
            except Exception as exc:  # noqa: BLE001 - any error is a failure of the test
                errors.append(repr(exc))

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    writer = store.connect(path)
    for firm in FIRMS[3:]:
        insert_firms(writer, [firm])
        size = len(matching.match_index(writer))
        deadline = time.monotonic() + 60
        while not any(n >= size for n, _ in seen[-50:]) and time.monotonic() < deadline:
            time.sleep(0.01)  # until a reader has worked on the new snapshot
    stop.set()
    for t in readers:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert seen and all(whole for _, whole in seen)
    assert len({size for size, _ in seen}) >= 2  # readers moved on to newer snapshots
    final = matching.match_index(db)
    assert len(final) == sum(bool(f.get("consent", 1)) for f in FIRMS) and _whole(final)
