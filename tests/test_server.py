"""Against a real gunicorn (2 workers × 4 threads on 127.0.0.1, started by the test): rate
limits are shared by the workers, the access log never holds a private link, and concurrent
proposals, re-runs and accepts from many connections lose nothing and keep the per-firm cap."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import add_user, company_body, valid_cvr
from test_networks import FIRMS

from web import create_app

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, body=None, token: str | None = None):
    """(status, JSON body or text, headers) of one request on a new connection."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            status, raw, headers = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as exc:
        status, raw, headers = exc.code, exc.read(), exc.headers
    try:
        return status, json.loads(raw or b"null"), headers
    except ValueError:
        return status, raw.decode("utf-8", "replace"), headers


class Server:
    def __init__(self, db_path: Path, log: Path, env: dict[str, str]):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--threads", "4", "--timeout", "120",
             "--access-logfile", str(log), "wsgi:app"],
            cwd=REPO,
            env=os.environ | {"MATCHMAKER_DB": str(db_path), "PYTHONPATH": str(REPO)} | env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-3000:])
            try:
                if call(self.base, "GET", "/api/v1/openapi.json")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            self.process.kill()


@pytest.fixture
def server_for(tmp_path, monkeypatch):
    started = []

    def start(**env) -> Server:
        server = Server(tmp_path / "served.sqlite3", tmp_path / "access.log", env)
        started.append(server)
        return server

    monkeypatch.setenv("MATCHMAKER_DB", str(tmp_path / "served.sqlite3"))
    yield start
    for server in started:
        server.stop()


def test_rate_limits_are_shared_by_the_workers(server_for):
    server = server_for(MATCHMAKER_WARM_UP="0")

    def register(i: int) -> int:
        body = company_body(cvr=valid_cvr(i), name=f"Firma {i}")
        return call(server.base, "POST", "/api/v1/companies", body)[0]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(register, range(24)))
    # REGISTRATION_LIMIT allows 10 a minute per client, whichever worker answers
    assert codes.count(201) == 10 and codes.count(429) == 14, codes


def test_the_access_log_never_holds_a_private_link(server_for):
    server = server_for(MATCHMAKER_WARM_UP="0")
    status, firm, _ = call(server.base, "POST", "/api/v1/companies", company_body())
    assert status == 201
    token = firm["edit_token"]
    status, page, headers = call(server.base, "GET", f"/p/{token}")
    assert status == 200 and headers["Cache-Control"] == "private, no-store"
    call(server.base, "GET", f"/p/{token}/edit")
    call(server.base, "GET", f"/api/v1/companies/{firm['id']}", token=token)
    # gunicorn writes a request's line after its answer, each worker on its own: wait for all.
    wanted = ("/p/[privat] ", "/p/[privat]/edit", f"/api/v1/companies/{firm['id']}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(w in server.log.read_text() for w in wanted):
        time.sleep(0.2)
    log = server.log.read_text()
    assert all(w in log for w in wanted), log[-2000:]
    assert token not in log


def test_concurrent_review_over_http_loses_nothing_and_keeps_the_cap(server_for, tmp_path,
                                                                     runner):  # fmt: skip
    app = create_app({"DATABASE": str(tmp_path / "served.sqlite3"), "SECRET_KEY": "x",
                      "RATELIMIT_ENABLED": False})  # fmt: skip
    client = app.test_client()
    for k, firm in enumerate(FIRMS):
        body = company_body(**{"employees": 20, "city": None} | firm, cvr=valid_cvr(100 + k))
        assert client.post("/api/v1/companies", json=body).status_code == 201
    token = add_user(runner, "f@example.dk")
    server = server_for(MATCHMAKER_MAX_PROPOSALS_PER_FIRM="2")
    base = server.base
    status, first, _ = call(base, "POST", "/api/v1/networks/proposals", {"count": 3}, token)
    assert status == 201, first
    target = first["networks"][0]

    def job(k: int):
        if k < 3:
            return call(base, "POST", f"/api/v1/networks/proposals/{first['id']}/rerun",
                        {"seed": k}, token)  # fmt: skip
        if k == 3:
            return call(base, "POST", f"/api/v1/networks/{target['id']}/accept", None, token)
        return call(base, "POST", "/api/v1/networks/proposals", {"count": 3, "seed": k}, token)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(job, range(8)))
    assert all(a[0] < 500 for a in answers), [(a[0], a[1]) for a in answers]
    # The accept either came first (acknowledged, and then kept through every re-run) or came
    # after a re-run had replaced the network (404: nothing acknowledged, nothing accepted).
    assert answers[3][0] in (200, 404), answers[3]
    status, stored, _ = call(base, "GET", f"/api/v1/networks/proposals/{first['id']}", None,
                             token)  # fmt: skip
    by_id = {n["id"]: n for n in stored["networks"]}
    if answers[3][0] == 200:
        assert by_id[target["id"]]["status"] == "accepted"
    else:
        assert target["id"] not in by_id
        assert all(n["status"] != "accepted" for n in stored["networks"])
    assert len(stored["networks"]) == len(first["networks"])
    placed = [m["id"] for n in stored["networks"] for m in n["members"]]
    assert len(placed) == len(set(placed))
    status, listing, _ = call(base, "GET", "/api/v1/networks/proposals", None, token)
    count: dict[int, int] = {}
    for proposal in listing["items"]:
        for network in proposal["networks"]:
            if network["status"] != "rejected":
                for member in network["members"]:
                    count[member["id"]] = count.get(member["id"], 0) + 1
    assert max(count.values()) <= 2, count
