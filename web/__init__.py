"""The Flask application: pages, chat and the JSON API over the matchmaker core."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from pathlib import Path

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from matchmaker import matching
from matchmaker.config import Settings
from matchmaker.reference import stopwatch
from matchmaker.store import db as store

MAX_BODY_BYTES = 1024 * 1024


def _secret_key(db_path: Path) -> str:
    """One key shared by every worker serving this store, kept beside it."""
    if os.environ.get("MATCHMAKER_SECRET_KEY"):
        return os.environ["MATCHMAKER_SECRET_KEY"]
    key_file = db_path.parent / (db_path.name + ".secret")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        draft = key_file.with_name(f"{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, key_file)  # atomic: the first worker's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; nothing touches the store before this is called."""
    from web import mail

    app = Flask(__name__, instance_relative_config=True)
    settings = Settings.from_env()
    app.config.from_mapping(
        DATABASE=str(settings.db_path),
        MODEL_NAME=settings.model_name,
        MAX_PROPOSALS_PER_FIRM=settings.max_proposals_per_firm,
        LEARN=settings.learn,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("MATCHMAKER_SECURE_COOKIES", "0") == "1",
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=None,  # default: shared counters beside the store (security.py)
        JSON_SORT_KEYS=False,
        DB_BUSY_TIMEOUT_MS=store.BUSY_TIMEOUT_MS,
        **mail.settings_from_env(),
    )
    if test_config:
        app.config.update(test_config)
    # The sentence model named by MATCHMAKER_MODEL (read once, here) serves every new index;
    # MATCHMAKER_LEARN=1 ranks with the partner model re-fitted on the store's decisions.
    matching.configure(model_name=app.config["MODEL_NAME"], learn=bool(app.config["LEARN"]))
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    db_path = Path(app.config["DATABASE"])
    app.config.setdefault("SECRET_KEY", None)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(db_path)
    store.connect(db_path).close()  # create and migrate once, before any request

    from web import (
        api,
        auth,
        chat,
        concepts,
        consortia,
        i18n,
        outcomes,
        pages,
        private_links,
        proposals,
        roles,
        security,
        timing,
    )
    from web import learning as learning_pages

    timing.init_app(app)  # first: its hooks then time every other hook of a request
    security.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    roles.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(chat.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(consortia.bp)
    app.register_blueprint(outcomes.bp)
    app.register_blueprint(private_links.bp)
    app.register_blueprint(learning_pages.bp)
    app.register_blueprint(concepts.bp)
    app.teardown_appcontext(close_db)
    app.before_request(_per_firm_cap)
    app.after_request(_catch_up_after_write)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return api.http_error_json(exc)
        return _error_page(exc)

    @app.errorhandler(sqlite3.DatabaseError)
    def _store_error(exc: sqlite3.DatabaseError):
        return store_unavailable(exc)

    return app


log = logging.getLogger("matchmaker.store")


def store_unavailable(exc: sqlite3.DatabaseError):
    """503 with `Retry-After` when the store is busy, full or read-only (the reason goes to the
    log); any other store error is a bug and stays a 500."""
    why = store.unavailable(exc)
    if why is None:
        raise exc
    log.error("503 for %s %s: %s", request.method, request.path, why.reason)
    refusal = ServiceUnavailable(retry_after=why.retry_after)
    if request.path.startswith("/api/"):
        from flask import jsonify

        from matchmaker.reference import messages

        text = messages.render("api.store_unavailable", "en", seconds=why.retry_after)
        response = jsonify(error=text, fields={})
        response.status_code = 503
    else:
        response = _error_page(refusal)
        response = response if not isinstance(response, HTTPException) else response.get_response()
    response.headers["Retry-After"] = str(why.retry_after)
    return response


ERROR_PAGES = (404, 405, 413, 500, 503)


def _error_page(exc: HTTPException):
    """A styled page in the visitor's language for an HTTP error outside the API; redirects
    and other non-errors pass through unchanged."""
    from flask import render_template

    code = exc.code or 500
    if code < 400:
        return exc
    key = f"error_{code}" if code in ERROR_PAGES else "error_other"
    try:
        body = render_template("error.html", code=code, key=key)
    except Exception:  # the page must not fail in turn (e.g. the store is down)
        return exc
    response = exc.get_response()
    response.set_data(body)
    response.mimetype = "text/html"
    return response


def get_db():
    """The store for this request, opened on first use."""
    if "db" not in g:
        from flask import current_app

        g.db = store.connect(
            current_app.config["DATABASE"],
            migrate=False,
            busy_timeout_ms=int(current_app.config["DB_BUSY_TIMEOUT_MS"]),
        )
    return g.db


def _per_firm_cap() -> None:
    """Every proposal written in this request is checked against this app's per-firm cap."""
    from flask import current_app

    from matchmaker.store import proposals

    proposals.PER_FIRM_CAP.set(int(current_app.config["MAX_PROPOSALS_PER_FIRM"]))


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _catch_up_after_write(response):
    """After a request that may have changed firms, this process's match index takes the
    change in now (`matching.catch_up`), so that the next suggestion finds it current."""
    db = g.get("db")
    if request.method in WRITE_METHODS and db is not None and response.status_code < 400:
        if not db.conn.in_transaction:
            with stopwatch.stage("catchup"):
                matching.catch_up(db)
    return response


def close_db(_exc=None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def warm_up(app: Flask):
    """Load the sentence model and the match index in the background, so the first
    facilitator request of a fresh worker does not wait for them, score ahead the rows its
    first requests ask for (`matching.warm`), then settle the heap (`settle_heap`). Returns
    the loading thread (None when MATCHMAKER_WARM_UP=0)."""
    import threading

    from matchmaker import matching
    from matchmaker.representation.embedding import load_model
    from matchmaker.store import db as store_module

    def _load() -> None:
        # A web worker encodes registrations and chat messages: it loads the model now (and
        # runs it once), not at its first write. (A process that only proposes never does.)
        load_model(app.config["MODEL_NAME"]).encode(["opvarmning"], show_progress_bar=False)
        conn = store_module.connect(app.config["DATABASE"], migrate=False)
        try:
            matching.warm(matching.match_index(conn))
        finally:
            conn.close()
        settle_heap()

    if os.environ.get("MATCHMAKER_WARM_UP", "1") != "1":
        return None
    loading = threading.Thread(target=_load, name="warm-up", daemon=True)
    loading.start()
    # Changes made by the other workers are taken in beside the requests.
    matching.keep_current()
    return loading


def settle_heap() -> None:
    """Collect once, then leave what start-up built (the sentence model, the match index:
    ~500,000 objects on the demo store) out of the garbage collector's sight (`gc.freeze`).

    A full collection holds every thread of the worker while it scans; over the start-up
    objects it took ~250 ms of CPU (600 ms on a busy machine) and landed, now and then, in
    the middle of a request. Afterwards it scans only what came later (a few ms). Frozen
    objects are still freed when nothing refers to them."""
    import gc

    gc.collect()
    gc.freeze()


RETENTION_EVERY_SECONDS = 24 * 3600


def schedule_retention(app: Flask) -> None:
    """Purge what the retention policy says is too old, at start and then once a day (each
    worker does; a purge that finds nothing is cheap). `MATCHMAKER_RETENTION_DAYS=0` keeps all."""
    import threading

    from matchmaker.store import retention

    days = Settings.from_env().retention_days
    if days <= 0:
        return

    def _loop() -> None:
        stop = threading.Event()
        while True:
            try:
                conn = store.connect(app.config["DATABASE"], migrate=False)
                try:
                    gone = retention.purge(conn, days)
                finally:
                    conn.close()
                log.info("retention: purged rows older than %s days: %s", days, gone)
            except sqlite3.DatabaseError as exc:  # a busy or read-only store: try next time
                log.warning("retention: purge skipped: %s", exc)
            stop.wait(RETENTION_EVERY_SECONDS)

    threading.Thread(target=_loop, name="retention", daemon=True).start()
