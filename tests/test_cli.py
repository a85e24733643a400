"""The operator commands of DESIGN.md's interface."""

from __future__ import annotations

import csv
import sqlite3

from conftest import add_user, valid_cvr

from matchmaker.cli import main as cli


def test_init_db_creates_an_empty_store(runner, db_path):
    result = runner.invoke(cli, ["init-db"])
    assert result.exit_code == 0, result.output
    tables = {r[0] for r in sqlite3.connect(db_path).execute("SELECT name FROM sqlite_master")}
    assert {"companies", "masterclasses", "responses", "users"} <= tables


def test_users_add_prints_the_token_alone_on_the_last_line(client, runner):
    token = add_user(runner, "anna@cluster.dk", "admin")
    assert len(token) > 30 and " " not in token
    answer = client.get("/api/v1/companies", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    again = runner.invoke(cli, ["users", "add", "--email", "anna@cluster.dk"])
    assert again.exit_code != 0 and "already has an account" in again.output


def test_import_command_reports_each_row(runner, db_path, tmp_path):
    path = tmp_path / "list.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "cvr", "region", "kind", "description", "consent"])
        writer.writerow(
            ["Godt Firma ApS", valid_cvr(31), "Hovedstaden", "company", "Rådgivning.", "1"]
        )
        writer.writerow(["", "x", "Mars", "company", "", "1"])
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert "row 2: accepted" in result.output and "row 3: refused" in result.output
    assert "nothing written" in result.output
    result = runner.invoke(cli, ["import", "--valid-only", str(path)])
    assert result.exit_code == 0 and "1 imported, 1 refused" in result.output


def test_backup_is_a_consistent_copy(runner, db_path, tmp_path, client):
    client.post(
        "/api/v1/companies",
        json={"name": "Kopi ApS", "region": "Sjælland", "kind": "company",
              "description": "Test.", "consent": True},
    )  # fmt: skip
    target = tmp_path / "backup.sqlite3"
    assert runner.invoke(cli, ["backup", str(target)]).exit_code == 0
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT name FROM companies").fetchall() == [("Kopi ApS",)]
