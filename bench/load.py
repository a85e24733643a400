"""Load test on loopback: gunicorn on a temporary store with the demo firms, hammered by threads.

    .venv/bin/python -m bench.load [--workers 2] [--threads 4] [--concurrency 16]
                                   [--registrations 400] [--partners 300] [--chat 150]
                                   [--one-client 100] [--writers 4] [--write-rate 10]
                                   [--open-seconds 60] [--rate 10] [--chat-rate 0.5]
                                   [--open-write-rate 5] [--open-only]

Starts gunicorn on 127.0.0.1 (a free port) over a fresh temporary store loaded with the bundled
demo data, then runs its phases, each bounded by a request count and by `--phase-seconds`:
registration (POST /api/v1/companies); right after it, `--one-client` partner suggestions
(GET /companies/<id>/partners) asked one after another by a single client, while the index
catches up on those writes (the outside probe's measurement: suggestions after 1,000
registrations with `--registrations 1000`); partner suggestions
while `--writers` of the client threads keep registering firms (`--write-rate` a second in
all); the same suggestions with no writes; and chat (POST /api/v1/chat). It prints requests
per second and p50/p95/p99 latency per phase, then stops gunicorn and counts lost writes:
registrations answered 201 whose firm is not in the store. A phase whose endpoint answers 404
is skipped with a note.

Closed-loop clients keep the server saturated, so their latency is about clients ÷ throughput.
The open-loop phase then measures what a user sees at a given load: for `--open-seconds`,
suggestions arrive at `--rate` a second, chat turns at `--chat-rate` and registrations at
`--open-write-rate`, each on a fixed schedule whatever the server's answers, and latency counts from
the scheduled send time (time spent queued behind a busy server counts).

Registration runs as a token client (bulk clients are not throttled); a short anonymous burst
shows the registration limit.
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
# A keep-alive connection idle longer than this is replaced (gunicorn's keepalive is 2 s).
IDLE_RECONNECT = 1.0
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
    server_cpu: float = float("nan")  # the workers' CPU seconds during the phase
    client_cpu: float = float("nan")  # this process's (the clients') CPU seconds meanwhile
    started: float = 0.0  # perf_counter at the phase's start
    # Per request: (latency s, path, the server's Server-Timing in ms, send time from start)
    traces: list[tuple[float, str, dict[str, float], float]] = field(default_factory=list)

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


def server_timing(header: str | None) -> dict[str, float]:
    """{name: ms} of a `Server-Timing` header ('app;dur=12.5, cpu;dur=9.1')."""
    out = {}
    for part in (header or "").split(","):
        name, _, rest = part.strip().partition(";")
        if rest.startswith("dur="):
            out[name] = float(rest[4:])
    return out


class Client:
    """One keep-alive HTTP connection per thread; `timing()` is the server's Server-Timing
    of the thread's last answer (served with MATCHMAKER_SERVER_TIMING=1)."""

    def __init__(self, port: int, token: str | None):
        self.port, self.token = port, token
        self.local = threading.local()

    def request(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        conn = getattr(self.local, "conn", None)
        if conn is not None and time.monotonic() - self.local.used > IDLE_RECONNECT:
            conn.close()  # gunicorn drops idle keep-alive connections after a few seconds
            conn = None
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        self.local.used = time.monotonic()
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
            self.local.timing = {}
            return 0, b"", time.perf_counter() - started
        self.local.used = time.monotonic()
        self.local.timing = server_timing(answer.getheader("Server-Timing"))
        return answer.status, content, time.perf_counter() - started

    def timing(self) -> dict[str, float]:
        return getattr(self.local, "timing", {})


def run_phase(phase: Phase, jobs, client: Client, concurrency: int, seconds: float, on_result):
    """Run `jobs` (method, path, body) over `concurrency` threads until done or out of time."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    iterator = iter(jobs)

    def worker():
        while time.monotonic() < deadline:
            if not take_one(lock, iterator, client, phase, on_result):
                return

    started = phase.started = time.perf_counter()
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
    timing, at = client.timing(), time.perf_counter() - latency - phase.started
    with lock:
        phase.add(status, latency)
        phase.traces.append((latency, job[1], timing, at))
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

    started = phase.started = time.perf_counter()
    running = [threading.Thread(target=worker) for _ in range(threads)]
    for t in running:
        t.start()

    def finish():
        for t in running:
            t.join()
        phase.seconds = time.perf_counter() - started

    return finish


def run_open_loop(streams, client: Client, seconds: float, on_result) -> None:
    """Send each stream's jobs on a fixed schedule for `seconds`: `streams` holds
    (phase, jobs, rate); job k of a stream is due `k / rate` seconds after the start. Requests
    go out from a pool large enough that a slow answer does not hold back the next one, and a
    latency counts from the due time, so queueing (in the pool or the server) counts."""
    lock = threading.Lock()
    started = time.perf_counter()
    end = started + seconds

    def send(phase: Phase, job, due: float) -> None:
        status, content, _ = client.request(*job)
        latency = time.perf_counter() - due
        with lock:
            phase.add(status, latency)
            phase.traces.append((latency, job[1], client.timing(), due - started))
            on_result(job, status, content)

    def schedule(pool: ThreadPoolExecutor, phase: Phase, jobs, rate: float) -> None:
        for k, job in enumerate(jobs):
            due = started + k / rate
            if due >= end:
                return
            time.sleep(max(0.0, due - time.perf_counter()))
            pool.submit(send, phase, job, due)

    active = [(phase, jobs, rate) for phase, jobs, rate in streams if rate > 0]
    with ThreadPoolExecutor(64) as pool:
        schedulers = [threading.Thread(target=schedule, args=(pool, *s)) for s in active]
        for t in schedulers:
            t.start()
        for t in schedulers:
            t.join()
    for phase, _, _ in active:
        phase.seconds = seconds


STAGE_COLUMNS = ("app", "cpu", "others", "gc", "refit", "catchup", "index", "query", "score",
                 "afresh", "extend", "rules", "reasons")  # fmt: skip
# Stages a request may skip: the share of requests that ran each is printed beside its median.
COUNTED = ("afresh", "extend")


def stage_medians(phase: Phase) -> str:
    """The median of each server timing over the phase's requests ('app 12 · cpu 9 · ...', ms),
    and the share of requests that waited on a re-fit or a catch-up."""
    timings = [t for _, _, t, _ in phase.traces if t]
    if not timings:
        return ""
    cells = []
    for name in STAGE_COLUMNS:
        values = sorted(t.get(name, 0.0) for t in timings)
        if name == "refit":
            cells.append(f"refit in {sum(v > 0 for v in values)} of {len(values)}")
        elif name in COUNTED and any(values):
            ran = [v for v in values if v > 0]
            cells.append(f"{name} in {len(ran)} of {len(values)} ({ran[len(ran) // 2]:.1f})")
        elif any(values):
            cells.append(f"{name} {values[len(values) // 2]:.1f}")
    return " · ".join(cells)


def explain(phase: Phase, count: int, marked: set[str]) -> list[str]:
    """Lines on the `count` slowest requests of `phase` and the median one: latency, time
    queued before the app (latency less `app`), and the server's timings (ms). A path in
    `marked` gets a star."""
    if not phase.traces or count <= 0:
        return []
    ordered = sorted(phase.traces, key=lambda t: t[0])
    median = ordered[len(ordered) // 2]
    head = "| request | at s | latency | queued | " + " | ".join(STAGE_COLUMNS) + " |"
    lines = [head, "|---|---:|---:|---:|" + "---:|" * len(STAGE_COLUMNS)]
    for label, (latency, path, timing, at) in [("median", median)] + [
        ("slow", t) for t in reversed(ordered[-count:])
    ]:
        star = " *" if path in marked else ""
        queued = 1000 * latency - timing.get("app", float("nan"))
        cells = " | ".join(f"{timing[c]:.0f}" if c in timing else "" for c in STAGE_COLUMNS)
        lines.append(f"| {label} {path}{star} | {at:.1f} | {1000 * latency:.0f} | "
                     f"{queued:.0f} | {cells} |")  # fmt: skip
    return lines


def warm_up(port: int, token: str, demo_ids: list[int], workers: int) -> None:
    """Wait for every worker's background warm-up (sentence model, match index): rounds of
    concurrent requests on fresh connections (so they spread over the workers) until three
    rounds in a row, a second apart, answer within a second each (a worker's warm-up thread
    loads the model beside the first rounds), at most two minutes."""
    deadline = time.monotonic() + 120
    fast = 0
    while time.monotonic() < deadline and fast < 3:
        clients = [Client(port, token) for _ in range(2 * workers)]
        started = time.perf_counter()
        with ThreadPoolExecutor(len(clients)) as pool:
            for i, c in enumerate(clients):
                pool.submit(c.request, "GET", f"/api/v1/companies/{demo_ids[i]}/partners")
                pool.submit(c.request, "POST", "/api/v1/chat", {"session_id": "warm",
                                                                "message": "hej"})  # fmt: skip
        fast = fast + 1 if time.perf_counter() - started < 1.0 else 0
        time.sleep(1.0)


def _workers(pid: int) -> list[str] | None:
    """The process ids of the gunicorn workers of master `pid` (None where /proc is not)."""
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:  # not Linux
        return None


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the gunicorn workers of master `pid` have used so far,
    with their finished child processes' (re-fits of the match index)."""
    ticks = os.sysconf("SC_CLK_TCK")
    workers = _workers(pid)
    if workers is None:
        return float("nan")
    total = 0
    for child in workers:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def workers_peak_mib(pid: int) -> list[float]:
    """Each gunicorn worker's peak resident memory so far (VmHWM, MiB), of master `pid`."""
    peaks = []
    for child in _workers(pid) or []:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes), as `uptime` shows it."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
    parser.add_argument("--one-client", type=int, default=100, metavar="N",
                        help="suggestions asked one after another right after the "
                             "registration phase (0: none)")  # fmt: skip
    parser.add_argument("--writers", type=int, default=4,
                        help="client threads registering firms during the suggestions")  # fmt: skip
    parser.add_argument("--write-rate", type=float, default=10.0,
                        help="registrations per second (in all) during the suggestions; "
                             "0: as fast as the writers go")  # fmt: skip
    parser.add_argument("--phase-seconds", type=float, default=60.0)
    parser.add_argument("--open-seconds", type=float, default=60.0,
                        help="length of the open-loop phase (0: none)")  # fmt: skip
    parser.add_argument("--rate", type=float, default=10.0,
                        help="suggestions per second in the open-loop phase")  # fmt: skip
    parser.add_argument("--chat-rate", type=float, default=0.5,
                        help="chat turns per second in the open-loop phase")  # fmt: skip
    parser.add_argument("--open-write-rate", type=float, default=5.0,
                        help="registrations per second in the open-loop phase")  # fmt: skip
    parser.add_argument("--open-only", action="store_true",
                        help="run the open-loop phase only (no closed-loop phases)")  # fmt: skip
    parser.add_argument("--explain", type=int, default=6, metavar="N",
                        help="print the server's timings of the N slowest suggestions of each "
                             "closed phase and requests of each open-loop stream")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and log")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="matchmaker-load-"))
    env = os.environ | {
        "MATCHMAKER_DB": str(tmp / "store.sqlite3"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(REPO),
        "MATCHMAKER_SERVER_TIMING": "1",  # each answer says where its time went
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
    unmatched = {f"/api/v1/companies/{r[0]}/partners?limit=5"
                 for r in demo.execute("SELECT id FROM companies WHERE consent = 0")}  # fmt: skip
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
    open_phases: list[Phase] = []
    open_cpu = float("nan")
    load_before = load_average()
    acknowledged: dict[int, str] = {}
    anonymous: dict[int, int] = {}
    try:
        client = Client(port, token)
        deadline = time.monotonic() + 300
        while probe(client, "GET", "/api/v1/openapi.json") != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not come up; see {tmp / 'gunicorn.log'}")
            time.sleep(0.5)
        warm_up(port, token, demo_ids, args.workers)
        print(f"gunicorn up on {HOST}:{port}, {args.workers} workers × {args.threads} threads; "
              f"{args.concurrency} client threads", flush=True)  # fmt: skip

        cvrs = valid_cvrs(90_000_000, taken)

        def registered(job, status, content):
            if status == 201:
                acknowledged[json.loads(content)["id"]] = job[2]["cvr"]

        if not args.open_only:
            registration = Phase("registration (POST /companies)")
            jobs = [("POST", "/api/v1/companies", firm(i, next(cvrs)))
                    for i in range(args.registrations)]  # fmt: skip

            cpu, mine = server_cpu(server.pid), time.process_time()
            run_phase(registration, jobs, client, args.concurrency, args.phase_seconds, registered)
            registration.server_cpu = server_cpu(server.pid) - cpu
            registration.client_cpu = time.process_time() - mine
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
            if args.one_client > 0:
                after = Phase(f"partner suggestions, one client, right after {len(acknowledged)} "
                              "registrations")  # fmt: skip
                asks = [("GET", f"/api/v1/companies/{rng.choice(demo_ids)}/partners?limit=5",
                         None) for _ in range(args.one_client)]  # fmt: skip
                cpu, mine = server_cpu(server.pid), time.process_time()
                run_phase(after, asks, client, 1, args.phase_seconds, lambda *a: 0)
                after.server_cpu = server_cpu(server.pid) - cpu
                after.client_cpu = time.process_time() - mine
                phases.append(after)
            during = Phase(f"partner suggestions while firms register ({args.write_rate:g}/s)")
            beside = Phase("registration (beside the suggestions)")
            steady = Phase("partner suggestions, no writes")
            if probe(client, "GET", f"/api/v1/companies/{demo_ids[0]}/partners") == 404:
                during.note = steady.note = "skipped: endpoint not served (404)"
            else:
                stop = threading.Event()
                more = (("POST", "/api/v1/companies", firm(i, next(cvrs)))
                        for i in range(args.registrations, 10**9))  # fmt: skip
                cpu, mine = server_cpu(server.pid), time.process_time()
                finish = run_beside(beside, more, client, args.writers, stop, registered,
                                    args.write_rate)  # fmt: skip
                run_phase(during, suggestion_jobs, client, args.concurrency - args.writers,
                          args.phase_seconds, lambda *a: 0)  # fmt: skip
                stop.set()
                finish()
                during.server_cpu, cpu = server_cpu(server.pid) - cpu, server_cpu(server.pid)
                during.client_cpu, mine = time.process_time() - mine, time.process_time()
                run_phase(steady, suggestion_jobs, client, args.concurrency, args.phase_seconds,
                          lambda *a: 0)  # fmt: skip
                steady.server_cpu = server_cpu(server.pid) - cpu
                steady.client_cpu = time.process_time() - mine
            phases += [during, beside, steady]

            chat = Phase("chat (POST /chat)")
            if (
                probe(client, "POST", "/api/v1/chat", {"session_id": "probe", "message": "hej"})
                == 404
            ):
                chat.note = "skipped: endpoint not served (404)"
            else:
                jobs = [("POST", "/api/v1/chat", {"session_id": f"load-{i % 40}",
                                                  "message": CHAT_MESSAGES[i % len(CHAT_MESSAGES)]})
                        for i in range(args.chat)]  # fmt: skip
                cpu, mine = server_cpu(server.pid), time.process_time()
                run_phase(chat, jobs, client, args.concurrency, args.phase_seconds, lambda *a: 0)
                chat.server_cpu = server_cpu(server.pid) - cpu
                chat.client_cpu = time.process_time() - mine
            phases.append(chat)

        rng = random.Random(1)
        next_firm = iter(range(10**6, 10**9))
        if args.open_seconds > 0:
            print(f"Open loop for {args.open_seconds:g} s: {args.rate:g} suggestions/s, "
                  f"{args.chat_rate:g} chat turns/s, {args.open_write_rate:g} registrations/s "
                  f"(load average {load_average()})", flush=True)  # fmt: skip
            streams = [
                (Phase(f"partner suggestions ({args.rate:g}/s)"),
                 (("GET", f"/api/v1/companies/{rng.choice(demo_ids)}/partners?limit=5", None)
                  for _ in range(10**9)), args.rate),
                (Phase(f"chat ({args.chat_rate:g}/s)"),
                 (("POST", "/api/v1/chat", {"session_id": f"open-{i % 40}",
                                            "message": CHAT_MESSAGES[i % len(CHAT_MESSAGES)]})
                  for i in range(10**9)), args.chat_rate),
                (Phase(f"registration ({args.open_write_rate:g}/s)"),
                 (("POST", "/api/v1/companies", firm(next(next_firm), next(cvrs)))
                  for _ in range(10**9)), args.open_write_rate),
            ]  # fmt: skip
            cpu_before = server_cpu(server.pid)
            run_open_loop(streams, client, args.open_seconds, registered)
            open_cpu = server_cpu(server.pid) - cpu_before
            open_phases += [phase for phase, _, rate in streams if rate > 0]
    finally:
        peaks = workers_peak_mib(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    load_after = load_average()
    store = sqlite3.connect(tmp / "store.sqlite3")
    integrity = store.execute("PRAGMA integrity_check").fetchone()[0]
    stored = dict(store.execute("SELECT id, cvr FROM companies").fetchall())
    store.close()
    lost = [i for i, cvr in acknowledged.items() if i not in stored or stored[i] != cvr]

    print()
    print(f"Workers: {args.workers} × {args.threads} threads (gunicorn, gthread); "
          f"client threads: {args.concurrency}; loopback {HOST}")  # fmt: skip
    if phases:
        print()
        print("| phase | requests | req/s | p50 ms | p95 ms | p99 ms | statuses |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for phase in phases:
            print(phase.row())
        print()
        print("Server timings, median per request (ms):")
        for phase in phases:
            medians = stage_medians(phase)
            if medians:
                spent = ""
                if phase.server_cpu == phase.server_cpu:  # measured (not NaN)
                    spent = (f" (workers' CPU {phase.server_cpu:.1f} s, clients' "
                             f"{phase.client_cpu:.1f} s, over {phase.seconds:.1f} s)")  # fmt: skip
                print(f"- {phase.name}{spent}: {medians}")
        for phase in phases:
            wanted = phase.name.startswith("partner suggestions")
            lines = explain(phase, args.explain, unmatched) if wanted else []
            if lines:
                print()
                print(f"Where the time went, {phase.name} (ms; * a firm outside the index):")
                print()
                print("\n".join(lines))
    if open_phases:
        print()
        print(f"Open loop, {args.open_seconds:g} s; latency from the scheduled send time:")
        print()
        print("| stream | requests | req/s | p50 ms | p95 ms | p99 ms | statuses |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for phase in open_phases:
            print(phase.row())
        for phase in open_phases:
            lines = explain(phase, args.explain, unmatched)
            if lines:
                print()
                print(f"Where the time went, {phase.name} (ms; * a firm outside the index, "
                      "no consent; queued: before the app had it):")  # fmt: skip
                print()
                print("\n".join(lines))
        print()
        print(f"Server CPU during the open loop: {open_cpu:.1f} s "
              f"({open_cpu / args.open_seconds:.2f} of the {os.cpu_count()} cores)")  # fmt: skip
    print()
    print("Workers' peak resident memory (MiB): "
          + (", ".join(f"{m:.0f}" for m in peaks) or "unknown"))  # fmt: skip
    print(f"Load average (1, 5, 15 min) at the start: {load_before}; at the end: {load_after}")
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
            "open_loop": {"seconds": args.open_seconds, "rate": args.rate,
                          "chat_rate": args.chat_rate, "write_rate": args.open_write_rate,
                          "streams": [{"name": p.name, "requests": len(p.latencies),
                                       "p50_ms": p.percentile(50), "p95_ms": p.percentile(95),
                                       "p99_ms": p.percentile(99), "statuses": p.statuses}
                                      for p in open_phases],
                          "server_cpu_seconds": open_cpu},
            "load_average": {"start": load_before, "end": load_after},
            "workers_peak_mib": peaks,
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
