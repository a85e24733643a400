"""CPU of extending a kept score row by the firms registered since (`kept_scores`), in-process.

Loads the demo firms into a temporary store, registers `--registrations` more through the
Flask test client, fits an index, then catches it up on `--appended` further registrations
one at a time (as a worker does). For 150 indexed firms it times the extension a request pays
when its firm's row was kept `k` firms ago (the firm's own vectors taken out of the index,
then scored against what was appended): best of three passes, thread CPU per extension:

    .venv/bin/python -m bench.extension [--registrations 400] [--appended 8]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One compute thread per model call, as gunicorn.conf.py sets for the workers.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, os.environ.get("MATCHMAKER_TORCH_THREADS", "1"))

from bench.load import firm, valid_cvrs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=400)
    parser.add_argument("--appended", type=int, default=8)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="matchmaker-extension-"))
    path = tmp / "store.sqlite3"
    env = os.environ | {"MATCHMAKER_DB": str(path), "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-m", "matchmaker", "demo"], env=env, cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    os.environ.update(MATCHMAKER_DB=str(path), MATCHMAKER_WARM_UP="0")
    from matchmaker.matching import MatchIndex, kept_scores
    from matchmaker.store import accounts
    from matchmaker.store import db as store
    from web import create_app

    conn = store.connect(str(path))
    token = accounts.issue_token(conn, accounts.add_user(conn, "b@example.dk", "facilitator").id)[1]
    taken = {r[0] for r in sqlite3.connect(path).execute("SELECT cvr FROM companies")}
    app = create_app({"DATABASE": str(path), "RATELIMIT_ENABLED": False, "TESTING": True})
    client, headers = app.test_client(), {"Authorization": f"Bearer {token}"}
    cvrs = valid_cvrs(90_000_000, taken)

    def register(i: int) -> None:
        answer = client.post("/api/v1/companies", json=firm(10_000 + i, next(cvrs)),
                             headers=headers)  # fmt: skip
        assert answer.status_code == 201, answer.data[:300]

    for i in range(args.registrations):
        register(i)
    index = MatchIndex().fit(conn).warmed()
    for i in range(args.registrations, args.registrations + args.appended):
        register(i)
        index = index.refreshed(conn).warmed()  # one catch-up per registration
    n = len(index)
    print(f"{n} firms; row blocks {[len(b) for b in index.vectors_.row_blocks()]}")
    asked = index.vectors_.ids[:150]
    for k in sorted({1, args.appended // 2, args.appended} - {0}):
        best = float("inf")
        for _ in range(3):
            started = time.thread_time()
            for company_id in asked:
                own = [index.row_[company_id]]
                query = index.vectors_.take(own), index.facts_.take(own)
                kept_scores.extended(index, *query, "complementary", n - k)
            best = min(best, (time.thread_time() - started) / len(asked))
        print(f"extended by {k} firm(s): {1000 * best:.2f} ms CPU")
    conn.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
