"""Load test on loopback: gunicorn on a temporary store with the demo firms, hammered by threads.

    .venv/bin/python -m bench.load [--workers 2] [--threads 4] [--concurrency 16]
                                   [--registrations 400] [--partners 300] [--chat 150]
                                   [--writers 4] [--write-rate 10]

Starts gunicorn on 127.0.0.1 (a free port) over a fresh temporary store loaded with the bundled
demo data, then runs its phases, each bounded by a request count and by `--phase-seconds`:
registration (POST /api/v1/companies); partner suggestions (GET /companies/<id>/partners)
while `--writers` of the client threads keep registering firms (`--write-rate` a second in
all); the same suggestions with no writes; and chat (POST /api/v1/chat). It prints requests
per second and p50/p95/p99 latency per phase, then stops gunicorn and counts lost writes:
registrations answered 201 whose firm is not in the store. A phase whose endpoint answers 404
is skipped with a note. Registration runs as a token client (bulk clients are not throttled);
a short anonymous burst shows the registration limit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
CHAT_MESSAGES = (
    "Find fem partnere til Limfjordens Mejeriselskab",
    "Hvilke virksomheder i Nordjylland arbejder med fødevarer?",
    "Foreslå netværk for firmaer i Midtjylland",
    "Who could help a dairy with whey processing?",
    "Vis virksomheder inden for software i Hovedstaden",
    "Hvem har brug for overskudsvarme?",
)


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    def add(self, status: int, latency: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000

    def row(self) -> str:
        if self.note:
            return f"| {self.name} | – | – | – | – | – | {self.note} |"
        done = len(self.latencies)
        rps = done / self.seconds if self.seconds else 0.0
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items()))
        return (
            f"| {self.name} | {done} | {rps:.1f} | {self.percentile(50):.0f} | "
            f"{self.percentile(95):.0f} | {self.percentile(99):.0f} | {codes} |"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def valid_cvrs(start: int, taken: set[str]):
    n = start
    while True:
        digits = str(n)
        if sum(int(d) * w for d, w in zip(digits, CVR_WEIGHTS, strict=True)) % 11 == 0:
            if digits not in taken:
                yield digits
        n += 1


PRODUCTS = ("emballage", "maskiner", "software", "sensorer", "møbler", "reservedele",
            "måleudstyr", "robotceller")  # fmt: skip
INDUSTRIES = ("fødevareindustrien", "landbruget", "byggeriet", "sundhedssektoren",
              "energisektoren", "detailhandlen", "transportbranchen")  # fmt: skip
MARKETS = ("Tyskland", "Sverige", "Norge", "Holland", "Polen")


def firm(i: int, cvr: str | None) -> dict:
    """A registration body for the i-th test firm (texts vary, so most are new to the model)."""
    product = PRODUCTS[i % len(PRODUCTS)]
    industry = INDUSTRIES[(i // len(PRODUCTS)) % len(INDUSTRIES)]
    market = MARKETS[(i // (len(PRODUCTS) * len(INDUSTRIES))) % len(MARKETS)]
    return {
        "name": f"Belastning {i} ApS", "cvr": cvr, "employees": i % 300,
        "region": ("Nordjylland", "Midtjylland", "Syddanmark", "Sjælland", "Hovedstaden")[i % 5],
        "kind": "company", "consent": True,
        "description": f"Vi producerer {product} til {industry}.",
        "offers": f"Udvikling, produktion og service af {product}; automatisering og logistik.",
        "needs": f"Partnere til eksport til {market} og kunder i {industry}.",
        "contact_email": f"kontakt{i}@belastning.dk",
    }  # fmt: skip


class Client:
    """One keep-alive HTTP connection per thread."""

    def __init__(self, port: int, token: str | None):
        self.port, self.token = port, token
        self.local = threading.local()

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        try:
            conn.request(method, path, body=data, headers=headers)
            answer = conn.getresponse()
            content = answer.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self.local.conn = None
            return 0, b"", time.perf_counter() - started
        return answer.status, content, time.perf_counter() - started


def run_phase(phase: Phase, jobs, client: Client, concurrency: int, seconds: float, on_result):
    """Run `jobs` (method, path, body) over `concurrency` threads until done or out of time."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    iterator = iter(jobs)

    def worker():
        while time.monotonic() < deadline:
            if not take_one(lock, iterator, client, phase, on_result):
                return

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(worker)
    phase.seconds = time.perf_counter() - started


def take_one(lock, iterator, client: Client, phase: Phase, on_result) -> bool:
    """Send the next job of `iterator` and record its answer; False when the jobs ran out."""
    with lock:
        job = next(iterator, None)
    if job is None:
        return False
    status, content, latency = client.request(*job)
    with lock:
        phase.add(status, latency)
        on_result(job, status, content)
    return True


def run_beside(phase: Phase, jobs, client: Client, threads: int, stop: threading.Event, on_result,
               rate: float = 0.0):  # fmt: skip
    """Start `jobs` on `threads` threads that run until `stop` is set (or the jobs run out),
    at most `rate` requests per second in all (0: as fast as they go); returns a function
    that waits for them."""
    lock = threading.Lock()
    iterator = iter(jobs)
    pause = threads / rate if rate > 0 else 0.0

    def worker():
        due = time.monotonic()
        while not stop.is_set():
            due += pause
            stop.wait(max(0.0, due - time.monotonic()))
            if not take_one(lock, iterator, client, phase, on_result):
                return

    started = time.perf_counter()
    running = [threading.Thread(target=worker) for _ in range(threads)]
    for t in running:
        t.start()

    def finish():
        for t in running:
            t.join()
        phase.seconds = time.perf_counter() - started

    return finish


def probe(client: Client, method: str, path: str, body=None) -> int:
    status, content, _ = client.request(method, path, body)
    if status == 404 and b"No such endpoint" in content:
        return 404
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16, help="client threads")
    parser.add_argument("--registrations", type=int, default=400)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--chat", type=int, default=150)
    parser.add_argument("--writers", type=int, default=4,
                        help="client threads registering firms during the suggestions")  # fmt: skip
    parser.add_argument("--write-rate", type=float, default=10.0,
                        help="registrations per second (in all) during the suggestions; "
                             "0: as fast as the writers go")  # fmt: skip
    parser.add_argument("--phase-seconds", type=float, default=60.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and log")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
    env = os.environ | {
        "MATCHMAKER_DB": str(tmp / "store.sqlite3"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
    }
    python = sys.executable
    print("Loading the demo data into a temporary store ...", flush=True)
    subprocess.run([python, "-m", "matchmaker", "demo"], env=env, cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    added = subprocess.run(
        [python, "-m", "matchmaker", "users", "add", "--email", "load@example.dk"],
        env=env, cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    token = added.stdout.strip().splitlines()[-1]
    demo = sqlite3.connect(tmp / "store.sqlite3")
    demo_ids = [r[0] for r in demo.execute("SELECT id FROM companies")]
    taken = {r[0] for r in demo.execute("SELECT cvr FROM companies WHERE cvr IS NOT NULL")}
    demo.close()

    port = free_port()
    gunicorn = [
        str(Path(python).with_name("gunicorn")), "--bind", f"{HOST}:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--timeout", "120",
        "wsgi:app",
    ]  # fmt: skip
    log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115  (closed after the server stops)
    server = subprocess.Popen(gunicorn, env=env, cwd=REPO, stdout=log, stderr=log)
    phases: list[Phase] = []
    acknowledged: dict[int, str] = {}
    anonymous: dict[int, int] = {}
    try:
        client = Client(port, token)
        deadline = time.monotonic() + 300
        while probe(client, "GET", "/api/v1/openapi.json") != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not come up; see {tmp / 'gunicorn.log'}")
            time.sleep(0.5)
        # Let the workers' background warm-up (sentence model, match index) finish.
        client.request("GET", f"/api/v1/companies/{demo_ids[0]}/partners")
        client.request("POST", "/api/v1/chat", {"session_id": "warm", "message": "hej"})
        print(f"gunicorn up on {HOST}:{port}, {args.workers} workers × {args.threads} threads; "
              f"{args.concurrency} client threads", flush=True)  # fmt: skip

        cvrs = valid_cvrs(90_000_000, taken)
        registration = Phase("registration (POST /companies)")
        jobs = [("POST", "/api/v1/companies", firm(i, next(cvrs)))
                for i in range(args.registrations)]  # fmt: skip

        def registered(job, status, content):
            if status == 201:
                acknowledged[json.loads(content)["id"]] = job[2]["cvr"]

        run_phase(registration, jobs, client, args.concurrency, args.phase_seconds, registered)
        phases.append(registration)

        burst = Client(port, None)
        for i in range(15):
            body = firm(i, None) | {"name": f"Anonym {i} ApS"}
            status, content, _ = burst.request("POST", "/api/v1/companies", body)
            anonymous[status] = anonymous.get(status, 0) + 1
            if status == 201:
                acknowledged[json.loads(content)["id"]] = None

        rng = random.Random(0)
        suggestion_jobs = [
            ("GET", f"/api/v1/companies/{rng.choice(demo_ids)}/partners?limit=5", None)
            for _ in range(args.partners)
        ]
        during = Phase(f"partner suggestions while firms register ({args.write_rate:g}/s)")
        beside = Phase("registration (beside the suggestions)")
        steady = Phase("partner suggestions, no writes")
        if probe(client, "GET", f"/api/v1/companies/{demo_ids[0]}/partners") == 404:
            during.note = steady.note = "skipped: endpoint not served (404)"
        else:
            stop = threading.Event()
            more = (("POST", "/api/v1/companies", firm(i, next(cvrs)))
                    for i in range(args.registrations, 10**9))  # fmt: skip
            finish = run_beside(beside, more, client, args.writers, stop, registered,
                                args.write_rate)  # fmt: skip
            run_phase(during, suggestion_jobs, client, args.concurrency - args.writers,
                      args.phase_seconds, lambda *a: 0)  # fmt: skip
            stop.set()
            finish()
            run_phase(steady, suggestion_jobs, client, args.concurrency, args.phase_seconds,
                      lambda *a: 0)  # fmt: skip
        phases += [during, beside, steady]

        chat = Phase("chat (POST /chat)")
        if probe(client, "POST", "/api/v1/chat", {"session_id": "probe", "message": "hej"}) == 404:
            chat.note = "skipped: endpoint not served (404)"
        else:
            jobs = [("POST", "/api/v1/chat", {"session_id": f"load-{i % 40}",
                                              "message": CHAT_MESSAGES[i % len(CHAT_MESSAGES)]})
                    for i in range(args.chat)]  # fmt: skip
            run_phase(chat, jobs, client, args.concurrency, args.phase_seconds, lambda *a: 0)
        phases.append(chat)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    store = sqlite3.connect(tmp / "store.sqlite3")
    integrity = store.execute("PRAGMA integrity_check").fetchone()[0]
    stored = dict(store.execute("SELECT id, cvr FROM companies").fetchall())
    store.close()
    lost = [i for i, cvr in acknowledged.items() if i not in stored or stored[i] != cvr]

    print()
    print(f"Workers: {args.workers} × {args.threads} threads (gunicorn, gthread); "
          f"client threads: {args.concurrency}; loopback {HOST}")  # fmt: skip
    print()
    print("| phase | requests | req/s | p50 ms | p95 ms | p99 ms | statuses |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for phase in phases:
        print(phase.row())
    print()
    print("Anonymous registration burst (15 requests): "
          + ", ".join(f"{k}×{v}" for k, v in sorted(anonymous.items())))  # fmt: skip
    print(f"Acknowledged registrations: {len(acknowledged)}; stored: "
          f"{len(acknowledged) - len(lost)}; lost writes: {len(lost)}; "
          f"integrity_check: {integrity}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({
            "workers": args.workers, "threads": args.threads, "concurrency": args.concurrency,
            "phases": [{"name": p.name, "requests": len(p.latencies), "seconds": p.seconds,
                        "p50_ms": p.percentile(50), "p95_ms": p.percentile(95),
                        "p99_ms": p.percentile(99), "statuses": p.statuses, "note": p.note}
                       for p in phases],
            "anonymous_burst": anonymous, "acknowledged": len(acknowledged),
            "lost_writes": len(lost), "integrity_check": integrity,
        }, indent=2))  # fmt: skip
    failed = bool(lost) or integrity != "ok"
    if args.keep or failed:
        print(f"Store and gunicorn log kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
