"""gunicorn's access log without secrets: a firm's private link (`/p/<secret>`) is written as
`/p/[privat]` in the request line, path and referrer, and no Authorization header is logged.
`gunicorn.conf.py` at the repo root installs it for `make run` and `gunicorn wsgi:app`."""

from __future__ import annotations

from gunicorn.glogging import Logger

from web.security import redact


class RedactingLogger(Logger):
    """gunicorn's logger with every access-log atom passed through `redact`."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if key == "{authorization}i":
                atoms[key] = "-"
            elif isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
