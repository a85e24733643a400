"""CPU of a partner suggestion and a chat turn in-process, right after a registration or not.

Loads the demo firms into a temporary store, then through the Flask test client (one thread):
`--rounds` times a registration followed by a suggestion for a random demo firm, and as many
suggestions with no write before them; then the six chat messages of `bench/load.py` over a
few sessions. Prints each request kind's thread CPU (`time.thread_time`, which does not depend
on what else the machine runs) and wall time, p50/p95/mean, and the median of each stage the
app's `Server-Timing` header names (`web/timing.py`: index, query, score, rules, reasons,
catchup, ...):

    .venv/bin/python -m bench.after_writes --rounds 40
    .venv/bin/python -m bench.after_writes --before 400 --asks 10   # the load bench's mix
    .venv/bin/python -m bench.after_writes --profile suggestion   # cProfile of that kind
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import resource
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

import numpy as np  # noqa: E402

from bench.load import CHAT_MESSAGES, firm, valid_cvrs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def summary(name: str, cpu: list[float], wall: list[float]) -> str:
    if not cpu:
        return f"{name:<34} n=  0"
    c, w = np.array(cpu) * 1000, np.array(wall) * 1000
    return (f"{name:<34} n={len(c):>3}  CPU p50 {np.percentile(c, 50):6.1f}  "
            f"p95 {np.percentile(c, 95):6.1f}  mean {c.mean():6.1f} ms   "
            f"wall p50 {np.percentile(w, 50):6.1f}  p95 {np.percentile(w, 95):6.1f}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--asks", type=int, default=1, metavar="K",
                        help="suggestions after each registration besides the first (the load "
                             "bench's mix beside writes is about 11)")  # fmt: skip
    parser.add_argument(
        "--before",
        type=int,
        default=0,
        metavar="N",
        help="registrations before the measured rounds (a store that grew)",
    )
    parser.add_argument("--chat-sessions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=("registration", "suggestion", "after-write", "chat"),
                        help="print a cProfile of that request kind instead")  # fmt: skip
    parser.add_argument("--slow", type=float, default=0.0, metavar="MS",
                        help="profile every request on its own and print the profile of each "
                             "whose CPU exceeds MS, with the collector's pauses in it")  # fmt: skip
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="matchmaker-afterwrites-"))
    path = tmp / "store.sqlite3"
    env = os.environ | {"MATCHMAKER_DB": str(path), "HF_HUB_OFFLINE": "1",
                        "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(REPO)}  # fmt: skip
    subprocess.run([sys.executable, "-m", "matchmaker", "demo"], env=env, cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    os.environ.update({k: env[k] for k in ("MATCHMAKER_DB", "HF_HUB_OFFLINE")})
    os.environ["MATCHMAKER_WARM_UP"] = "0"
    import torch

    from matchmaker.store import accounts
    from matchmaker.store import db as store
    from web import create_app

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    conn = store.connect(str(path))
    user = accounts.add_user(conn, "bench@example.dk", "facilitator")
    token = accounts.issue_token(conn, user.id)[1]
    demo_ids = [r[0] for r in sqlite3.connect(path).execute("SELECT id FROM companies")]
    taken = {r[0] for r in sqlite3.connect(path).execute("SELECT cvr FROM companies")}
    conn.close()
    app = create_app({"DATABASE": str(path), "RATELIMIT_ENABLED": False, "TESTING": True,
                      "SERVER_TIMING": True})  # fmt: skip
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(args.seed)
    cvrs = valid_cvrs(90_000_000, taken)
    profiler = cProfile.Profile()
    # Per request kind, the Server-Timing stages (ms) of each request (`web/timing.py`).
    stages: dict[str, dict[str, list[float]]] = {}

    pauses: list[tuple[int, float]] = []  # (generation, seconds) of the collections
    started_gc: dict[str, float] = {}

    def collector(phase: str, info: dict) -> None:
        if phase == "start":
            started_gc["at"] = time.perf_counter()
        else:
            pauses.append((info["generation"], time.perf_counter() - started_gc["at"]))

    if args.slow:
        gc.callbacks.append(collector)

    def timed(kind: str, method: str, url: str, body=None) -> tuple[float, float]:
        on = args.profile == kind
        single = cProfile.Profile() if args.slow else None
        if on:
            profiler.enable()
        if single:
            single.enable()
        pauses.clear()
        c0, w0 = time.thread_time(), time.perf_counter()
        answer = client.open(url, method=method, json=body, headers=headers)
        c1, w1 = time.thread_time(), time.perf_counter()
        if single:
            single.disable()
        if on:
            profiler.disable()
        if single and (c1 - c0) * 1000 > args.slow and kind != "warm":
            collected = ", ".join(f"gen{g} {1000 * s:.1f} ms" for g, s in pauses) or "none"
            print(f"\n=== slow {kind} {method} {url}: CPU {1000 * (c1 - c0):.0f} ms, "
                  f"wall {1000 * (w1 - w0):.0f} ms; collections: {collected}")  # fmt: skip
            only = os.environ.get("BENCH_PROFILE_FILTER", "")
            pstats.Stats(single).sort_stats("cumulative").print_stats(only, 40)
        assert answer.status_code in (200, 201), (url, answer.status_code, answer.data[:300])
        if kind in stages:
            for part in answer.headers.get("Server-Timing", "").split(","):
                name, _, duration = part.strip().partition(";dur=")
                if duration:
                    stages[kind].setdefault(name, []).append(float(duration))
        return c1 - c0, w1 - w0

    def partners() -> str:
        return f"/api/v1/companies/{rng.choice(demo_ids)}/partners?limit=5"

    for _ in range(3):  # warm: model loaded, index built
        timed("warm", "GET", partners())
    for i in range(args.before):
        timed("warm", "POST", "/api/v1/companies", firm(5_000 + i, next(cvrs)))
        timed("warm", "GET", partners())
    kinds = ("registration", "after-write", "suggestion", "chat")
    rows: dict[str, tuple[list, list]] = {k: ([], []) for k in kinds}
    stages.update({k: {} for k in kinds})
    for i in range(args.rounds):
        for kind, method, url, body in (
            ("registration", "POST", "/api/v1/companies", firm(10_000 + i, next(cvrs))),
            ("after-write", "GET", partners(), None),
            *(("suggestion", "GET", partners(), None) for _ in range(args.asks)),
        ):
            cpu, wall = timed(kind, method, url, body)
            rows[kind][0].append(cpu)
            rows[kind][1].append(wall)
    per_message: dict[str, list[float]] = {m: [] for m in CHAT_MESSAGES}
    for s in range(args.chat_sessions):
        for message in CHAT_MESSAGES:
            body = {"session_id": f"bench-{s}", "message": message}
            cpu, wall = timed("chat", "POST", "/api/v1/chat", body)
            rows["chat"][0].append(cpu)
            rows["chat"][1].append(wall)
            per_message[message].append(cpu)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the demo load and the re-fits
    print(f"CPU of finished child processes (the demo load, re-fits): "
          f"{children.ru_utime + children.ru_stime:.1f} s")  # fmt: skip
    for kind, (cpu, wall) in rows.items():
        print(summary(kind, cpu, wall))
    print("Server-Timing stages, median ms (app: the request's wall time in the app; "
          "cpu: its thread's CPU):")  # fmt: skip
    for kind, found in stages.items():
        shown = [f"{name} {np.median(v):.1f}" for name, v in found.items()
                 if name not in ("others", "gc") and np.median(v) >= 0.05]  # fmt: skip
        print(f"  {kind:<14} " + ", ".join(shown))
    if os.environ.get("BENCH_EACH"):
        for kind, (cpu, _) in rows.items():
            print(kind, " ".join(f"{1000 * c:.0f}" for c in cpu))
    for message, cpu in per_message.items():
        print(f"  chat CPU p50 {1000 * np.median(cpu):6.1f} ms  {message}")
    if args.profile:
        only = os.environ.get("BENCH_PROFILE_FILTER", "")  # a regular expression of paths
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(
            only, 60
        )
    shutil.rmtree(tmp, ignore_errors=True)  # the temporary store
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
