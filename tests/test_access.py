"""Who may do what: roles, logins and tokens, CSRF, cookies, rate limits, headers, body size."""

from __future__ import annotations

import re

import pytest
from conftest import add_user, company_body, valid_cvr

from matchmaker.cli import main as cli
from matchmaker.store import accounts
from web import create_app

PASSWORD = "correct horse battery"


def make_app(db_path, **config):
    base = {
        "TESTING": True,
        "DATABASE": str(db_path),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
    }
    return create_app(base | config)


def csrf_token(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def register(client, seed: int = 1, **overrides):
    body = company_body(cvr=valid_cvr(seed), name=f"Firma {seed} ApS", **overrides)
    answer = client.post("/api/v1/companies", json=body)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


# --- roles ---------------------------------------------------------------------------------


def test_anonymous_may_register_and_nothing_else(client):
    firm = register(client)
    assert client.get("/api/v1/companies").status_code == 401
    assert client.get(f"/api/v1/companies/{firm['id']}").status_code == 401
    assert client.patch(f"/api/v1/companies/{firm['id']}", json={"employees": 1}).status_code == 401
    assert client.delete(f"/api/v1/companies/{firm['id']}").status_code == 401
    assert client.get("/api/v1/masterclasses").status_code == 401
    assert client.get("/api/v1/companies/export").status_code == 401
    for page in ("/companies", "/masterclasses", "/account", "/chat"):
        answer = client.get(page)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_company_reaches_only_its_own_profile(client, auth):
    first, second = register(client, 1), register(client, 2, contact_email="b@anden.dk")
    own = {"Authorization": f"Bearer {first['edit_token']}"}
    mine = client.get(f"/api/v1/companies/{first['id']}", headers=own)
    assert mine.status_code == 200 and mine.get_json()["contact_email"]
    other = client.get(f"/api/v1/companies/{second['id']}", headers=own)
    assert other.status_code == 403 and "b@anden.dk" not in other.get_data(as_text=True)
    for url in ("/api/v1/companies", "/api/v1/masterclasses", "/api/v1/companies/export"):
        assert client.get(url, headers=own).status_code == 403
    assert client.post("/api/v1/masterclasses", json={}, headers=own).status_code == 403
    # the private page link works for its own firm only
    assert client.get(f"/p/{first['edit_token']}").status_code == 200
    assert client.get("/p/not-a-token").status_code == 404


def test_partner_suggestions_never_carry_contact_data(client, auth):
    first = register(client, 1)
    register(client, 2, contact_email="secret@anden.dk", contact_name="Hemmelig Person")
    own = {"Authorization": f"Bearer {first['edit_token']}"}
    answer = client.get(f"/api/v1/companies/{first['id']}/partners", headers=own)
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "secret@anden.dk" not in text and "Hemmelig Person" not in text
    assert "contact_email" not in text and "contact_name" not in text
    other = client.get(f"/api/v1/companies/{first['id'] + 1}/partners", headers=own)
    assert other.status_code == 403


def test_facilitator_and_admin_tokens_see_everything(client, runner):
    firm = register(client)
    for email, role in (("f@example.dk", "facilitator"), ("a@example.dk", "admin")):
        headers = {"Authorization": f"Bearer {add_user(runner, email, role)}"}
        listing = client.get("/api/v1/companies", headers=headers).get_json()
        assert listing["total"] == 1 and listing["items"][0]["contact_email"]
        assert client.get(f"/api/v1/companies/{firm['id']}", headers=headers).status_code == 200
        assert client.get("/api/v1/companies/export", headers=headers).status_code == 200


def test_password_login_session_and_logout(client, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    assert login(client, "fac@example.dk", "wrong password!").status_code == 401
    assert login(client, "nobody@example.dk").status_code == 401
    answer = login(client, "fac@example.dk")
    assert answer.status_code == 302
    assert client.get("/api/v1/companies").status_code == 200  # the session cookie is enough
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get("/api/v1/companies").status_code == 401


def test_login_redirects_only_within_the_site(client, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    answer = client.post(
        "/login?next=//evil.example/x", data={"email": "fac@example.dk", "password": PASSWORD}
    )
    assert answer.headers["Location"] in ("/", "http://localhost/")


def test_passwords_are_stored_hashed(db, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    tokens = [r[0] for r in db.execute("SELECT token_hash FROM api_tokens")]
    assert all(len(t) == 64 for t in tokens)  # sha256 hex, never the token itself


def test_tokens_are_issued_and_revoked_on_the_account_page(client, runner):
    first = add_user(runner, "fac@example.dk", password=PASSWORD)
    login(client, "fac@example.dk")
    page = client.post("/account", data={"action": "new-token", "label": "laptop"})
    new = re.search(r'id="new-token">([^<]+)<', page.get_data(as_text=True)).group(1)
    client.post("/logout")
    headers = {"Authorization": f"Bearer {new}"}
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    login(client, "fac@example.dk")
    ids = re.findall(
        r'name="token_id" value="(\d+)"', client.get("/account").get_data(as_text=True)
    )
    assert len(ids) == 2
    client.post("/account", data={"action": "revoke", "token_id": ids[-1]})
    client.post("/logout")
    revoked = client.get("/api/v1/companies", headers=headers)
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["error"]
    assert (
        client.get("/api/v1/companies", headers={"Authorization": f"Bearer {first}"}).status_code
        == 200
    )


def test_a_facilitator_cannot_revoke_someone_elses_token(db, runner):
    add_user(runner, "one@example.dk")
    add_user(runner, "two@example.dk")
    one, two = accounts.find_user(db, "one@example.dk"), accounts.find_user(db, "two@example.dk")
    token_of_two = accounts.tokens(db, two.id)[0]["id"]
    with pytest.raises(Exception, match="No token"):
        accounts.revoke_token(db, one.id, token_of_two)
    assert accounts.tokens(db, two.id)[0]["revoked_at"] is None


def test_users_commands_passwd_revoke_list(client, runner):
    token = add_user(runner, "fac@example.dk")
    result = runner.invoke(cli, ["users", "passwd", "--email", "fac@example.dk",
                                 "--password", PASSWORD])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert login(client, "fac@example.dk").status_code == 302
    client.post("/logout")
    short = runner.invoke(cli, ["users", "passwd", "--email", "fac@example.dk", "--password", "x"])
    assert short.exit_code != 0 and "at least 10" in short.output
    listed = runner.invoke(cli, ["users", "list"]).output
    assert "fac@example.dk" in listed and "1 live token" in listed
    tokens = runner.invoke(cli, ["users", "tokens", "--email", "fac@example.dk"]).output
    token_id = tokens.split("\t")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/companies", headers=headers).status_code == 200
    result = runner.invoke(cli, ["users", "revoke", "--email", "fac@example.dk",
                                 "--token-id", token_id])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/companies", headers=headers).status_code == 401
    add = runner.invoke(cli, ["users", "token", "--email", "fac@example.dk"])
    again = {"Authorization": f"Bearer {add.output.strip().splitlines()[-1]}"}
    assert client.get("/api/v1/companies", headers=again).status_code == 200
    assert (
        runner.invoke(cli, ["users", "revoke", "--email", "fac@example.dk", "--all"]).exit_code == 0
    )
    assert client.get("/api/v1/companies", headers=again).status_code == 401
    unknown = runner.invoke(cli, ["users", "revoke", "--email", "x@example.dk", "--all"])
    assert unknown.exit_code != 0 and "No account" in unknown.output


# --- CSRF ----------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(db_path):
    return make_app(db_path, WTF_CSRF_ENABLED=True).test_client()


def test_forms_refuse_a_post_without_the_csrf_token(csrf_client, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    assert login(csrf_client, "fac@example.dk").status_code == 400
    body = {k: str(v) for k, v in company_body().items() if k != "markets"}
    assert csrf_client.post("/register", data=body).status_code == 400
    token = csrf_token(csrf_client, "/login")
    assert login(csrf_client, "fac@example.dk", csrf_token=token).status_code == 302
    assert csrf_client.post("/account", data={"action": "new-token"}).status_code == 400
    token = csrf_token(csrf_client, "/account")
    page = csrf_client.post("/account", data={"action": "new-token", "csrf_token": token})
    assert page.status_code == 200 and 'id="new-token"' in page.get_data(as_text=True)


def test_every_post_form_carries_the_csrf_token():
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "web" / "templates"
    for path in templates.glob("*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", path.read_text(), re.S | re.I):
            if re.search(r'method="post"', form, re.I):
                assert "csrf_token()" in form, f"{path.name}: a POST form without csrf_token"


def test_cookie_authenticated_api_writes_need_the_csrf_header(csrf_client, runner, db):
    token = add_user(runner, "fac@example.dk", password=PASSWORD)
    login(csrf_client, "fac@example.dk", csrf_token=csrf_token(csrf_client, "/login"))
    masterclass = {"title": "AI", "theme": "AI i produktion", "capacity": 10}
    refused = csrf_client.post("/api/v1/masterclasses", json=masterclass)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    assert db["masterclasses"].count == 0
    header = {"X-CSRFToken": csrf_token(csrf_client, "/account")}
    assert (
        csrf_client.post("/api/v1/masterclasses", json=masterclass, headers=header).status_code
        == 201
    )
    # reads with the cookie need no token; bearer-token clients never do
    assert csrf_client.get("/api/v1/masterclasses").status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    assert (
        csrf_client.post("/api/v1/masterclasses", json=masterclass, headers=bearer).status_code
        == 201
    )
    # anonymous registration through the API is not cookie-authenticated
    anonymous = make_app(csrf_client.application.config["DATABASE"], WTF_CSRF_ENABLED=True)
    assert anonymous.test_client().post("/api/v1/companies", json=company_body()).status_code == 201


# --- cookies, headers, sizes -------------------------------------------------------------


def _session_cookie(answer) -> str:
    return next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_flags(client, runner, db_path, monkeypatch):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    cookie = _session_cookie(login(client, "fac@example.dk"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    over_https = make_app(db_path).test_client()
    answer = over_https.post(
        "/login", data={"email": "fac@example.dk", "password": PASSWORD},
        base_url="https://localhost",
    )  # fmt: skip
    assert "Secure" in _session_cookie(answer)
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    monkeypatch.setenv("MATCHMAKER_SECURE_COOKIES", "1")
    forced = make_app(db_path).test_client()
    assert "Secure" in _session_cookie(login(forced, "fac@example.dk"))


def test_security_headers(client, auth):
    for answer in (client.get("/"), client.get("/api/v1/companies", headers=auth)):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in client.get("/api/v1/companies", headers=auth).headers["Cache-Control"]


def test_bodies_over_a_megabyte_are_refused(client, auth):
    big = b"x" * (1024 * 1024 + 10)
    answer = client.post("/api/v1/companies", data=big, content_type="application/json")
    assert answer.status_code == 413 and "1 MB" in answer.get_json()["error"]
    upload = client.post(
        "/api/v1/companies/import", headers=auth,
        data={"file": (__import__("io").BytesIO(big), "big.csv")},
    )  # fmt: skip
    assert upload.status_code == 413 and upload.get_json()["error"]
    assert (
        client.post("/register", data={"description": "x" * (1024 * 1024 + 10)}).status_code == 413
    )


# --- rate limits ---------------------------------------------------------------------------


@pytest.fixture
def limited_client(db_path):
    return make_app(db_path, RATELIMIT_ENABLED=True).test_client()


def test_anonymous_registration_is_rate_limited(limited_client):
    answers = [
        limited_client.post(
            "/api/v1/companies", json=company_body(cvr=valid_cvr(i), name=f"Firma {i}")
        )
        for i in range(12)
    ]
    codes = [a.status_code for a in answers]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]
    assert answers[-1].get_json()["error"]  # the API's error format
    assert "Retry-After" in answers[-1].headers


def test_token_clients_are_not_throttled(limited_client, runner):
    headers = {"Authorization": f"Bearer {add_user(runner, 'bulk@example.dk')}"}
    codes = {
        limited_client.post(
            "/api/v1/companies", headers=headers,
            json=company_body(cvr=valid_cvr(i), name=f"Firma {i}"),
        ).status_code
        for i in range(40)
    }  # fmt: skip
    assert codes == {201}


def test_login_is_rate_limited(limited_client, runner):
    add_user(runner, "fac@example.dk", password=PASSWORD)
    codes = [
        login(limited_client, "fac@example.dk", "wrong password!").status_code for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_no_api_read_shows_a_company_another_firms_contact(client, auth, db):
    """Every documented GET, called with a company's own token and any id, is checked."""
    from matchmaker.store import proposals

    mine = register(client, 1)
    other = register(client, 2, contact_email="skjult@anden.dk", contact_name="Skjult Kontakt")
    group = {"type": "vertical", "score": 0.5, "members": [
        {"id": mine["id"], "name": mine["name"], "reason": "x"},
        {"id": other["id"], "name": other["name"], "reason": "y"},
    ]}  # fmt: skip
    proposals.save(db, "network", {}, {}, [group])
    own = {"Authorization": f"Bearer {mine['edit_token']}"}
    doc = client.get("/api/v1/openapi.json").get_json()
    checked = 0
    for path, operations in doc["paths"].items():
        if "get" not in operations or path == "/openapi.json":
            continue
        for value in (mine["id"], other["id"], 1):
            url = "/api/v1" + re.sub(r"\{[^}]+\}", str(value), path)
            answer = client.get(url, headers=own)
            text = answer.get_data().decode("utf-8", "replace")
            assert "skjult@anden.dk" not in text and "Skjult Kontakt" not in text, url
            assert answer.status_code < 500, url
            checked += 1
    assert checked >= 10


def test_a_rate_limited_answer_says_the_limit_and_when_to_try_again(limited_client):
    answers = [
        limited_client.post("/api/v1/companies/link-request", json={"cvr": valid_cvr(7)})
        for _ in range(4)
    ]
    limited = answers[-1]  # three a minute
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    error = limited.get_json()["error"]
    wait = int(limited.headers["Retry-After"])
    assert error.startswith("Too many requests: the limit here is ")
    assert re.search(r"\d+ per \d+ (second|minute|hour)", error), error
    assert f"Try again in {wait} seconds" in error or f"Try again in {wait + 1} seconds" in error
