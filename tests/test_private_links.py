"""The private link is not lost: a firm mails it to its contact address from its own page, and a
firm that registers its CVR again asks for it by e-mail. The mail goes to a real SMTP server
(aiosmtpd) in the test; no page or API answer ever shows the link to whoever asked."""

from __future__ import annotations

import email
import re
import socket
import time
from email import policy

import pytest
from aiosmtpd.controller import Controller
from conftest import company_body, valid_cvr
from test_access import make_app

from matchmaker.store import private_links


class Inbox:
    """An SMTP server's handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait(self, count: int = 1, seconds: float = 10.0) -> list:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.hostname, controller.port
    controller.stop()


@pytest.fixture
def mail_app(app, smtp):
    _, host, port = smtp
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, SMTP_TLS="none",
                      SMTP_FROM="sekretariat@example.dk")  # fmt: skip
    return app


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def register(client, **overrides):
    answer = client.post("/api/v1/companies", json=company_body(**overrides))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def form_of(**overrides) -> dict:
    body = company_body(**overrides)
    body["markets"] = ", ".join(body["markets"])
    body["consent"] = "1"
    return {k: str(v) for k, v in body.items()}


def test_the_own_page_mails_the_link_to_the_contact_address(mail_app, smtp):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    page = client.get(f"/p/{firm['edit_token']}").get_data(as_text=True)
    assert "Send linket til mette@vestjysk-emballage.dk" in page
    sent = client.post(f"/p/{firm['edit_token']}/send-link", follow_redirects=True)
    assert sent.status_code == 200
    assert "Linket er sendt til mette@vestjysk-emballage.dk" in sent.get_data(as_text=True)
    (message,) = inbox.wait(1)
    assert message["To"] == "mette@vestjysk-emballage.dk"
    assert message["From"] == "sekretariat@example.dk"
    assert "Vestjysk Emballage ApS" in message["Subject"]
    assert firm["edit_url"] in body_of(message)
    # the link still works: sending it changed nothing
    assert client.get(f"/p/{firm['edit_token']}").status_code == 200


def test_without_a_mail_server_the_page_says_so(client, app):
    assert not app.config["SMTP_HOST"]
    firm = register(client)
    page = client.get(f"/p/{firm['edit_token']}").get_data(as_text=True)
    assert "ingen mailserver sat op" in page and "Send linket til" not in page
    sent = client.post(f"/p/{firm['edit_token']}/send-link", follow_redirects=True)
    assert "ingen mailserver sat op" in sent.get_data(as_text=True)
    asked = client.get("/link").get_data(as_text=True)
    assert "ingen mailserver sat op" in asked and 'name="cvr"' not in asked
    api = client.post("/api/v1/companies/link-request", json={"cvr": valid_cvr(1)})
    assert api.status_code == 202 and api.get_json()["mail"] is False


def test_a_profile_without_contact_email_is_told_to_add_one(mail_app, smtp):
    client = mail_app.test_client()
    firm = register(client, contact_email=None)
    page = client.get(f"/p/{firm['edit_token']}").get_data(as_text=True)
    assert "ingen kontakt-e-mail" in page


def test_registering_a_cvr_again_offers_the_link_by_mail_and_never_shows_it(mail_app, smtp, db):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    again = client.post("/register", data=form_of(name="Vestjysk Emballage"))
    text = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "CVR-nummeret er allerede tilmeldt" in text and 'id="cvr-taken"' in text
    assert "/p/" not in text and firm["edit_token"] not in text
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 1

    asked = client.post("/link", data={"cvr": firm["cvr"]})
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="link-requested"' in text
    assert "/p/" not in text and "mette@" not in text
    (message,) = inbox.wait(1)
    assert message["To"] == "mette@vestjysk-emballage.dk"
    found = re.search(r"https?://\S+/p/(\S+)/new-link", body_of(message))
    assert found, body_of(message)
    secret = found.group(1)
    # the working link is not changed by asking (anyone may ask)
    assert client.get(f"/p/{firm['edit_token']}").status_code == 200

    # opening the mail's link changes nothing (mail scanners open links); the button does
    opened = client.get(f"/p/{secret}/new-link")
    assert opened.status_code == 200 and "Vestjysk Emballage ApS" in opened.get_data(as_text=True)
    renewed = client.post(f"/p/{secret}/new-link")
    assert renewed.status_code == 302
    new_token = renewed.headers["Location"].rsplit("/p/", 1)[1]
    assert client.get(f"/p/{new_token}").status_code == 200
    assert client.get(f"/p/{firm['edit_token']}").status_code == 404
    # the mail's link serves once
    assert client.post(f"/p/{secret}/new-link").status_code == 404
    assert "udløbet" in client.get(f"/p/{secret}/new-link").get_data(as_text=True)


def test_asking_by_cvr_answers_the_same_whether_it_is_registered_or_not(mail_app, smtp):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    no_email = register(client, cvr=valid_cvr(2), name="Uden Mail ApS", contact_email=None)

    def page_for(cvr: str) -> str:
        answer = client.post("/link", data={"cvr": cvr})
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        return text[text.index("<main>") : text.index("</main>")].replace(cvr, "CVR")

    registered = page_for(firm["cvr"])
    assert page_for(valid_cvr(3)) == registered  # a valid CVR nobody registered
    assert page_for(no_email["cvr"]) == registered  # registered without a contact e-mail
    assert page_for("12345678") == registered  # not a CVR at all
    api = [
        client.post("/api/v1/companies/link-request", json={"cvr": c}).get_json()
        for c in (firm["cvr"], valid_cvr(3))
    ]
    assert api[0] == api[1] and api[0]["mail"] is True
    assert len(inbox.wait(2)) == 2
    time.sleep(0.3)
    assert len(inbox.messages) == 2  # only the registered firm with an address got mail
    assert all(m["To"] == "mette@vestjysk-emballage.dk" for m in inbox.messages)
    assert client.post("/api/v1/companies/link-request", json={"cvr": 1}).status_code == 422
    extra = client.post("/api/v1/companies/link-request", json={"cvr": "1", "x": 1})
    assert extra.status_code == 422 and "x" in extra.get_json()["fields"]


def test_a_firm_gets_only_a_few_link_mails_an_hour(mail_app, smtp):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    for _ in range(private_links.MAX_MAILS_PER_HOUR + 2):
        assert client.post("/link", data={"cvr": firm["cvr"]}).status_code == 200
    inbox.wait(private_links.MAX_MAILS_PER_HOUR)
    time.sleep(0.3)
    assert len(inbox.messages) == private_links.MAX_MAILS_PER_HOUR


def test_asking_by_cvr_is_rate_limited_per_client(db_path, smtp):
    _, host, port = smtp
    mail = {"SMTP_HOST": host, "SMTP_PORT": port, "SMTP_TLS": "none",
            "SMTP_FROM": "sekretariat@example.dk"}  # fmt: skip
    limited = make_app(db_path, RATELIMIT_ENABLED=True, **mail).test_client()
    codes = [limited.post("/link", data={"cvr": valid_cvr(i)}).status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    # registering again (the other way to learn whether a CVR is registered) is limited too
    again = [limited.post("/register", data=form_of()).status_code for _ in range(11)]
    assert again[0] == 302 and set(again[1:10]) == {409} and again[10] == 429


def test_a_deleted_firms_pending_link_goes_with_it(mail_app, smtp, db):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    client.post("/link", data={"cvr": firm["cvr"]})
    secret = re.search(r"/p/(\S+)/new-link", body_of(inbox.wait(1)[0])).group(1)
    own = {"Authorization": f"Bearer {firm['edit_token']}"}
    assert client.delete(f"/api/v1/companies/{firm['id']}", headers=own).status_code == 204
    assert db.execute("SELECT count(*) FROM link_requests").fetchone()[0] == 0
    assert client.post(f"/p/{secret}/new-link").status_code == 404


def test_the_mails_link_expires_after_a_day(mail_app, smtp, db):
    inbox, _, _ = smtp
    client = mail_app.test_client()
    firm = register(client)
    client.post("/link", data={"cvr": firm["cvr"]})
    secret = re.search(r"/p/(\S+)/new-link", body_of(inbox.wait(1)[0])).group(1)
    db.execute("UPDATE link_requests SET created_at = '2020-01-01T00:00:00+00:00'")
    expired = client.get(f"/p/{secret}/new-link")
    assert expired.status_code == 404 and "udløbet" in expired.get_data(as_text=True)
    assert client.post(f"/p/{secret}/new-link").status_code == 404
    assert client.get(f"/p/{firm['edit_token']}").status_code == 200  # nothing changed
    client.post("/link", data={"cvr": firm["cvr"]})  # a new request clears the expired one
    assert db.execute("SELECT count(*) FROM link_requests").fetchone()[0] == 1
