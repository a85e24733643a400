"""Fixtures: a fresh app on a temporary SQLite file per test, its client, and accounts."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from matchmaker.cli import main as cli  # noqa: E402
from matchmaker.store import db as store  # noqa: E402
from web import create_app  # noqa: E402


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "matchmaker.sqlite3"
    monkeypatch.setenv("MATCHMAKER_DB", str(path))
    return path


@pytest.fixture
def app(db_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(db_path),
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    conn = store.connect(app.config["DATABASE"])
    yield conn
    conn.close()


@pytest.fixture
def runner():
    return CliRunner()


def add_user(runner, email: str, role: str = "facilitator", password: str | None = None) -> str:
    """Create an account through the operator command; its token is the last output line."""
    args = ["users", "add", "--email", email, "--role", role]
    if password:
        args += ["--password", password]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


@pytest.fixture
def token(app, runner):
    return add_user(runner, "facilitator@example.dk")


@pytest.fixture
def auth(token):
    return {"Authorization": f"Bearer {token}"}


def record_encodes(monkeypatch, model) -> list[str]:
    """Wrap `model.encode` so that every text it is asked to encode is recorded; the list."""
    encoded: list[str] = []
    real = model.encode

    def spy(texts, *args, **kwargs):
        encoded.extend([texts] if isinstance(texts, str) else texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(model, "encode", spy)
    return encoded


def valid_cvr(seed: int) -> str:
    """The smallest valid CVR number at or above 10000000 + seed*97 (for test data)."""
    from matchmaker.store.profiles import valid_cvr as ok

    n = 10_000_000 + seed * 97
    while not ok(str(n)):
        n += 1
    return str(n)


def company_body(**overrides) -> dict:
    body = {
        "name": "Vestjysk Emballage ApS",
        "cvr": valid_cvr(1),
        "employees": 42,
        "founded": 1998,
        "region": "Midtjylland",
        "city": "Herning",
        "sector": "Emballage",
        "nace": "22.22",
        "kind": "company",
        "description": "Vi producerer fødevareemballage i genanvendelig plast til mejerier.",
        "offers": "Bæredygtig emballage og hurtig prototypeudvikling.",
        "needs": "Hjælp til at komme ind på det tyske marked.",
        "markets": ["Danmark", "Sverige"],
        "contact_name": "Mette Holm",
        "contact_email": "mette@vestjysk-emballage.dk",
        "consent": True,
    }
    body.update(overrides)
    return body
