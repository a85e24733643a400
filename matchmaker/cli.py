"""Operator commands: `python -m matchmaker init-db | demo | import | users add | backup |
purge | ...`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from matchmaker.config import DATA_DIR, Settings
from matchmaker.reference.validation import Conflict, InvalidInput, NotFound
from matchmaker.store import accounts, company_feed, imports, profiles, questionnaires
from matchmaker.store import db as store

DEMO_DIR = DATA_DIR / "demo"


def _open():
    return store.connect(Settings.from_env().db_path)


@click.group()
def main() -> None:
    """matchmaker: the store named by MATCHMAKER_DB (default instance/matchmaker.sqlite3)."""
    from matchmaker import matching

    settings = Settings.from_env()
    matching.configure(model_name=settings.model_name, learn=settings.learn)


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
            questionnaires.add_response(db, created["id"], response, link_by_cvr=True)
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

    index = matching.MatchIndex().fit(db, show_progress=True)
    # Every firm, with the clauses reasons compare: one without consent stays out of the
    # index but may ask for its own partners.
    every = [r["id"] for r in company_feed.stored(db)]
    matching.embed_stored(db, every)
    click.echo(f"Embedded {len(every)} profiles ({len(index)} consenting, in the index).")


@main.command()
def embed() -> None:
    """Compute and cache the sentence vectors of every profile (and of the clauses of its
    needs and offers that reasons compare), in batches."""
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
        + (
            ""
            if report["written"] or not report["refused"]
            else " – nothing written; fix the rows or use --valid-only"
        )  # fmt: skip
    )
    if report["refused"] and not report["written"]:
        sys.exit(1)


@main.command()
@click.option(
    "--days",
    type=int,
    default=None,
    help="Keep this many days (default MATCHMAKER_RETENTION_DAYS, 365; 0 keeps all).",
)
def purge(days: int | None) -> None:
    """Purge chat conversations, the change log and the export log older than the retention
    period. A running server does this once a day by itself; cron may call it too."""
    from matchmaker.store import retention

    days = Settings.from_env().retention_days if days is None else days
    gone = retention.purge(_open(), days)
    click.echo(f"Purged rows older than {days} days: "
               + ", ".join(f"{table}: {n}" for table, n in gone.items()))  # fmt: skip


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


def _account(db, email: str) -> accounts.User:
    """The account with this email, or a command error saying there is none."""
    user = accounts.find_user(db, email)
    if user is None:
        raise click.ClickException(f"No account with email {email}")
    return user


@users.command("token")
@click.option("--email", required=True)
def users_token(email: str) -> None:
    """Issue another API token for an existing account (printed alone on the last line)."""
    db = _open()
    user = _account(db, email)
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
    from matchmaker.chat import intents

    path, report = intents.train_and_save()
    click.echo(f"Intent model written to {path}: {report}")


@main.command("train-matcher")
@click.option(
    "--data", "paths", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled set(s) of firms; default: the sets in data/training/.",
)  # fmt: skip
def train_matcher(paths: tuple[Path, ...]) -> None:
    """Fit the pair scorer (partners, competitors) on labelled firms and write it to models/."""
    from matchmaker.matching import training
    from matchmaker.matching.scorer import SCORER_PATH

    scorer = training.train(list(paths) or None)
    scorer.save(SCORER_PATH)
    click.echo(f"Pair scorer written to {SCORER_PATH}: trained on {scorer.trained_on_}")


@main.command("refit-matcher")
def refit_matcher() -> None:
    """Re-fit the partner model on the store's decisions (accepted and rejected networks,
    swaps, 'never together' pairs, outcomes) and keep it in the store; the service ranks with it
    under MATCHMAKER_LEARN=1 when it beat the global model on held-out decisions."""
    from matchmaker import matching

    db = _open()
    index = matching.match_index(db)
    found = matching.learning.refit_store(db, index, matching.default_scorer())
    verdict = "adopted" if found["adopted"] else "not adopted: the global model stays"
    cv = (
        f"; held-out AUC global {found['cv_global']:.3f}, local {found['cv_local']:.3f}"
        if found["cv_global"] is not None
        else ""
    )
    click.echo(
        f"Re-fit {found['id']} on {found['pairs']} labelled pairs ({found['positive']} positive, "
        f"{found['negative']} negative){cv}: {verdict} ({found['seconds']:.1f} s)."
    )


@main.command("train-cohorts")
def train_cohorts() -> None:
    """Fit the answer readers of cohorts (industry, maturity) on data/training/ and write them
    to models/."""
    from matchmaker.representation import answer_readers

    readers = answer_readers.train_and_save()
    click.echo(f"Cohort readers written to {answer_readers.READERS_PATH}: {readers.report}")


@users.command("list")
def users_list() -> None:
    """Accounts with their role and how many live API tokens each holds."""
    db = _open()
    for row in db.query(
        "SELECT u.id, u.email, u.role, u.password_hash IS NOT NULL AS has_password, "
        "(SELECT count(*) FROM api_tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL) "
        "AS live_tokens FROM users u ORDER BY u.id"
    ):
        password = "password" if row["has_password"] else "token only"
        click.echo(
            f"{row['id']}\t{row['email']}\t{row['role']}\t{password}\t"
            f"{row['live_tokens']} live token(s)"
        )


@users.command("passwd")
@click.option("--email", required=True)
@click.password_option(
    "--password", prompt="New password", help="At least 10 characters; asked for when omitted."
)
def users_passwd(email: str, password: str) -> None:
    """Set the web-login password of an account."""
    db = _open()
    user = _account(db, email)
    try:
        accounts.set_password(db, user.id, password)
    except InvalidInput as exc:
        raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.fields.items())) from None
    click.echo(f"Password set for {user.email}.")


@users.command("revoke")
@click.option("--email", required=True)
@click.option("--token-id", type=int, default=None, help="One token (see `users tokens`).")
@click.option("--all", "all_", is_flag=True, help="Every live token of the account.")
def users_revoke(email: str, token_id: int | None, all_: bool) -> None:
    """Revoke an account's API tokens: one by id, or all of them."""
    db = _open()
    user = _account(db, email)
    if (token_id is None) == (not all_):
        raise click.ClickException("Give either --token-id N or --all")
    live = [t["id"] for t in accounts.tokens(db, user.id) if not t["revoked_at"]]
    ids = live if all_ else [token_id]
    for tid in ids:
        try:
            accounts.revoke_token(db, user.id, tid)
        except NotFound:
            raise click.ClickException(f"{email} has no token with id {tid}") from None
    click.echo(f"Revoked {len(ids)} token(s) of {user.email}.")


@users.command("tokens")
@click.option("--email", required=True)
def users_tokens(email: str) -> None:
    """The account's API tokens: id, label, created, revoked (the secrets are not kept)."""
    db = _open()
    user = _account(db, email)
    for tok in accounts.tokens(db, user.id):
        state = f"revoked {tok['revoked_at']}" if tok["revoked_at"] else "live"
        click.echo(f"{tok['id']}\t{tok['label'] or '-'}\t{tok['created_at']}\t{state}")


@main.command("export")
@click.argument("what", type=click.Choice(["network", "network-proposal", "cohort",
                                           "cohort-proposal", "companies"]))  # fmt: skip
@click.argument("object_id", type=int, required=False)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "pdf"]), default="pdf")
@click.option("--lang", type=click.Choice(["da", "en"]), default="da")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: the export's own name in this folder).")  # fmt: skip
def export(what: str, object_id: int | None, fmt: str, lang: str, out: Path | None) -> None:
    """Export a stored network, cohort, proposal or the firm list (logged as an operator export)."""
    from matchmaker import exports

    db = _open()
    kind = what.replace("-", "_")
    if kind != "companies" and object_id is None:
        raise click.ClickException(f"Give the id of the {what} to export")
    try:
        if kind == "companies":
            export_ = exports.companies_export(profiles.listing(db, limit=10**9)[0])
        elif kind.endswith("_proposal"):
            export_ = exports.proposal_export(db, kind.removesuffix("_proposal"), object_id, lang)
        else:
            export_ = exports.group_export(db, kind, object_id, lang)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    file = exports.render(db, export_, fmt, lang)
    target = out or Path(file.filename)
    target.write_bytes(file.content)
    click.echo(f"Wrote {target}")
