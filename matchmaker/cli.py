"""Operator commands: `python -m matchmaker init-db | demo | import | users add | backup | ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from matchmaker import accounts, db as store, imports, profiles, questionnaires
from matchmaker.config import DATA_DIR, Settings
from matchmaker.validation import Conflict, InvalidInput

DEMO_DIR = DATA_DIR / "demo"


def _open():
    return store.connect(Settings.from_env().db_path)


@click.group()
def main() -> None:
    """matchmaker: the store named by MATCHMAKER_DB (default instance/matchmaker.sqlite3)."""


@main.command("init-db")
def init_db() -> None:
    """Create an empty store (or bring an existing one up to date)."""
    db = _open()
    click.echo(f"Store ready: {Settings.from_env().db_path} ({len(db.table_names())} tables)")


def load_demo(db, demo_dir: Path = DEMO_DIR) -> tuple[int, int, int]:
    """Load the bundled fictional firms and masterclasses through the normal validation."""
    companies = json.loads((demo_dir / "companies.json").read_text(encoding="utf-8"))
    report = profiles.import_rows(db, companies)
    if report["refused"]:
        bad = [r for r in report["rows"] if r["status"] == "refused"][:3]
        raise click.ClickException(f"Demo companies failed validation: {bad}")
    masterclasses = json.loads((demo_dir / "masterclasses.json").read_text(encoding="utf-8"))
    answers = 0
    for entry in masterclasses:
        entry = dict(entry)
        responses = entry.pop("responses", [])
        created = questionnaires.create_masterclass(db, entry)
        for response in responses:
            questionnaires.add_response(db, created["id"], response)
            answers += 1
    return report["imported"], len(masterclasses), answers


@main.command()
@click.option("--reset", is_flag=True, help="Load even if the store already holds companies.")
@click.option("--no-embed", is_flag=True, help="Skip computing the sentence vectors now.")
def demo(reset: bool, no_embed: bool) -> None:
    """Load the bundled demo data (fictional Danish firms and masterclass answers)."""
    db = _open()
    if db["companies"].count and not reset:
        click.echo("The store already holds companies; use --reset to load the demo data again.")
        return
    firms, classes, answers = load_demo(db)
    click.echo(f"Loaded {firms} companies, {classes} masterclasses, {answers} answers.")
    if not no_embed:
        _embed_all(db)


def _embed_all(db) -> None:
    from matchmaker import matching

    index = matching.MatchIndex.from_db(db, progress=True)
    click.echo(f"Embedded {len(index)} consenting profiles.")


@main.command()
def embed() -> None:
    """Compute and cache the sentence vectors of every profile, in batches."""
    _embed_all(_open())


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if others fail.")
def import_(path: Path, valid_only: bool) -> None:
    """Import a member list (CSV or XLSX); prints a row-by-row report."""
    db = _open()
    try:
        rows = imports.read_table(path.name, path.read_bytes())
    except InvalidInput as exc:
        raise click.ClickException(f"{path}: {exc.fields}") from None
    report = profiles.import_rows(db, rows, valid_only=valid_only)
    for row in report["rows"]:
        if row["status"] == "accepted":
            click.echo(f"row {row['row']}: accepted ({row['name']})")
        else:
            errors = "; ".join(f"{k}: {v}" for k, v in row["errors"].items())
            click.echo(f"row {row['row']}: refused – {errors}")
    click.echo(
        f"{report['imported']} imported, {report['refused']} refused"
        + ("" if report["written"] or not report["refused"] else
           " – nothing written; fix the rows or use --valid-only")  # fmt: skip
    )
    if report["refused"] and not report["written"]:
        sys.exit(1)


@main.group()
def users() -> None:
    """Facilitator and admin accounts."""


@users.command("add")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(accounts.ROLES), default="facilitator")
@click.option("--password", default=None, help="Optional password for the web login.")
def users_add(email: str, role: str, password: str | None) -> None:
    """Create an account and print its API token alone on the last line."""
    db = _open()
    try:
        user = accounts.add_user(db, email, role, password)
    except (InvalidInput, Conflict) as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None
    _, token = accounts.issue_token(db, user.id, "cli")
    click.echo(f"Created {user.role} {user.email} (id {user.id}). API token:")
    click.echo(token)


@users.command("token")
@click.option("--email", required=True)
def users_token(email: str) -> None:
    """Issue another API token for an existing account (printed alone on the last line)."""
    db = _open()
    user = accounts.find_user(db, email)
    if user is None:
        raise click.ClickException(f"No account with email {email}")
    _, token = accounts.issue_token(db, user.id, "cli")
    click.echo(token)


@main.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup(target: Path) -> None:
    """Write a consistent copy of the store to TARGET while the service runs."""
    written = store.backup(_open(), target)
    click.echo(f"Backup written to {written}")


@main.command("train-intents")
def train_intents() -> None:
    """Train the chat's intent classifier from data/chat/ and write it to models/."""
    from matchmaker import intents

    path, report = intents.train_and_save()
    click.echo(f"Intent model written to {path}: {report}")
