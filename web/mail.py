"""E-mail to a firm's contact address (its private link), over SMTP set by the environment.

`MATCHMAKER_SMTP_HOST` turns mail on; `MATCHMAKER_SMTP_PORT` (default 587), `_USER` and
`_PASSWORD` (log in when both are set), `_FROM` (the sender; default the user) and `_TLS`
(`starttls`, `ssl` or `none`; default `ssl` on port 465, `starttls` on 587, else `none`).
Without a host nothing is sent, and the pages say so instead of offering it.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger("matchmaker.mail")
TIMEOUT_SECONDS = 20


class MailFailed(Exception):
    """The mail server could not be reached or refused the message."""


def settings_from_env() -> dict:
    """The SMTP settings of the app config, read from the environment."""
    port = int(os.environ.get("MATCHMAKER_SMTP_PORT") or 587)
    default_tls = {465: "ssl", 587: "starttls"}.get(port, "none")
    user = os.environ.get("MATCHMAKER_SMTP_USER") or None
    return {
        "SMTP_HOST": os.environ.get("MATCHMAKER_SMTP_HOST") or None,
        "SMTP_PORT": port,
        "SMTP_USER": user,
        "SMTP_PASSWORD": os.environ.get("MATCHMAKER_SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("MATCHMAKER_SMTP_FROM") or user,
        "SMTP_TLS": (os.environ.get("MATCHMAKER_SMTP_TLS") or default_tls).lower(),
    }


def configured() -> bool:
    """Whether this app can send mail (a host and a sender are set)."""
    config = current_app.config
    return bool(config.get("SMTP_HOST") and config.get("SMTP_FROM"))


def _message(config: dict, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["SMTP_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    return message


def _deliver(config: dict, message: EmailMessage) -> None:
    host, port, tls = config["SMTP_HOST"], int(config["SMTP_PORT"]), config["SMTP_TLS"]
    try:
        if tls == "ssl":
            server = smtplib.SMTP_SSL(
                host, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS)
        with server:
            if tls == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER") and config.get("SMTP_PASSWORD"):
                server.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailFailed(str(exc)) from exc


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail now; MailFailed if it could not be handed to the server."""
    config = dict(current_app.config)
    _deliver(config, _message(config, to, subject, body))


def send_later(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail in the background: the request answers at once, in the same time
    whether a mail goes or not (a failure is logged, never shown)."""
    config = dict(current_app.config)
    message = _message(config, to, subject, body)

    def _run() -> None:
        try:
            _deliver(config, message)
        except MailFailed as exc:
            log.warning("mail to a firm's contact address failed: %s", exc)

    threading.Thread(target=_run, name="mail", daemon=True).start()
