"""The store under pressure: concurrent writers lose nothing, backups are consistent while
writes go on, and a writer killed mid-write leaves a store that opens whole."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from conftest import company_body, valid_cvr

from matchmaker.cli import main as cli
from matchmaker.store import db as store

REPO = Path(__file__).resolve().parent.parent


def _python(script: str, db_path: Path, *args: str) -> subprocess.Popen:
    env = os.environ | {"MATCHMAKER_DB": str(db_path), "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


# A writer that registers firms through the core and prints each id once it is committed.
WRITER = """
    import sys
    sys.path.insert(0, "tests")
    from conftest import company_body, valid_cvr
    from matchmaker.store import db as store, profiles
    from matchmaker.config import Settings

    db = store.connect(Settings.from_env().db_path)
    first, count = int(sys.argv[1]), int(sys.argv[2])
    for i in range(first, first + count if count else 10**9):
        company, _ = profiles.create(db, company_body(cvr=valid_cvr(i), name=f"Firma {i}"))
        print(company["id"], flush=True)
"""


def test_concurrent_registrations_from_threads_all_land(app, db):
    threads, per_thread, errors = 12, 15, []

    def register(t: int) -> None:
        client = app.test_client()
        for i in range(per_thread):
            n = t * per_thread + i
            answer = client.post(
                "/api/v1/companies", json=company_body(cvr=valid_cvr(n), name=f"Firma {n}")
            )
            if answer.status_code != 201:
                errors.append((n, answer.status_code, answer.get_data(as_text=True)[:200]))

    workers = [threading.Thread(target=register, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert db["companies"].count == threads * per_thread
    assert db.execute("SELECT count(DISTINCT cvr) FROM companies").fetchone()[0] == 180
    assert db["company_changes"].count == threads * per_thread


def test_concurrent_edits_of_one_profile_lose_no_field(client, auth, app, db):
    firm = client.post("/api/v1/companies", json=company_body()).get_json()
    changes = {
        "employees": 77, "founded": 2001, "city": "Aarhus", "sector": "Robotter",
        "offers": "Nye robotceller", "needs": "Kapital", "contact_name": "Ny Kontakt",
        "markets": ["Norge"], "nace": "28.99", "name": "Nyt Navn ApS",
    }  # fmt: skip
    errors = []

    def edit(field: str, value) -> None:
        client = app.test_client()
        for _ in range(5):
            answer = client.patch(
                f"/api/v1/companies/{firm['id']}", json={field: value}, headers=auth
            )
            if answer.status_code != 200:
                errors.append((field, answer.status_code, answer.get_data(as_text=True)[:200]))

    workers = [threading.Thread(target=edit, args=item) for item in changes.items()]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    stored = client.get(f"/api/v1/companies/{firm['id']}", headers=auth).get_json()
    assert {k: stored[k] for k in changes} == changes
    assert (
        db.execute("SELECT count(*) FROM company_changes WHERE op = 'update'").fetchone()[0] == 50
    )


def test_concurrent_registrations_from_processes_all_land(db_path):
    store.connect(db_path).close()
    procs, per_proc = 4, 40
    writers = [_python(WRITER, db_path, str(p * per_proc), str(per_proc)) for p in range(procs)]
    acknowledged = []
    for w in writers:
        out, err = w.communicate(timeout=240)
        assert w.returncode == 0, err[-2000:]
        acknowledged += [int(line) for line in out.split()]
    assert len(acknowledged) == procs * per_proc
    db = store.connect(db_path)
    stored = {r[0] for r in db.execute("SELECT id FROM companies")}
    assert stored == set(acknowledged)
    db.close()


def test_backup_is_consistent_while_writes_continue(db_path, tmp_path, runner):
    store.connect(db_path).close()
    writer = _python(WRITER, db_path, "0", "0")
    try:
        while len(writer.stdout.readline().strip()) == 0:
            pass
        time.sleep(0.5)
        copies = []
        for n in range(3):
            target = tmp_path / f"backup-{n}.sqlite3"
            result = runner.invoke(cli, ["backup", str(target)])
            assert result.exit_code == 0, result.output
            copies.append(target)
            time.sleep(0.3)
    finally:
        writer.send_signal(signal.SIGTERM)
        writer.communicate(timeout=30)
    counts = []
    for target in copies:
        conn = sqlite3.connect(target)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        companies = conn.execute("SELECT count(*) FROM companies").fetchone()[0]
        inserts = conn.execute(
            "SELECT count(*) FROM company_changes WHERE op = 'insert'"
        ).fetchone()[0]
        assert companies == inserts  # each registration is whole in the copy, or absent
        counts.append(companies)
        conn.close()
    assert counts[0] > 0 and counts == sorted(counts) and counts[-1] > counts[0]


def test_store_reopens_whole_after_a_writer_is_killed_mid_write(db_path):
    store.connect(db_path).close()
    writer = _python(WRITER, db_path, "0", "0")
    acknowledged = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = writer.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert len(acknowledged) >= 150, writer.stderr.read()[-2000:]
    db = store.connect(db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = {r[0] for r in db.execute("SELECT id FROM companies")}
    assert set(acknowledged) <= stored
    # and the store takes writes again at once
    from matchmaker.store import profiles

    profiles.create(db, company_body(cvr=valid_cvr(10**5), name="Efter genstart ApS"))
    db.close()
