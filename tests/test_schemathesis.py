"""Schemathesis over /api/v1/openapi.json against the WSGI app: no request gets a 5xx.

Every documented operation is called with generated valid and invalid input, as a facilitator
(bearer token), over a small store with firms, a masterclass and stored proposals so that ids
1–3 exist. Bounded by `MAX_EXAMPLES` per operation so the whole run takes a minute or two.
"""

from __future__ import annotations

import pytest
import schemathesis
from conftest import company_body, valid_cvr
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from matchmaker.store import accounts, proposals, questionnaires
from matchmaker.store import db as store
from matchmaker.store import profiles as profile_store
from web import create_app

MAX_EXAMPLES = 15


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("schemathesis") / "matchmaker.sqlite3"
    app = create_app(
        {
            "DATABASE": str(path),
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            # TESTING off: an exception becomes the 500 a client would see, and is reported.
            "TESTING": False,
        }
    )
    db = store.connect(path)
    firms = [
        profile_store.create(db, company_body(cvr=valid_cvr(i), name=f"Firma {i} ApS"))[0]
        for i in range(1, 6)
    ]
    masterclass = questionnaires.create_masterclass(
        db, {"title": "AI", "theme": "AI i produktionen", "capacity": 10}
    )
    responses = [
        questionnaires.add_response(
            db, masterclass["id"], {"company": f["name"], "core_business": "Produktion"}
        )
        for f in firms[:3]
    ]
    network = {
        "type": "value_chain", "score": 0.5,
        "members": [{"id": f["id"], "name": f["name"], "reason": "test"} for f in firms[:3]],
    }  # fmt: skip
    cohort = {
        "coherence": 0.5, "themes": ["AI"],
        "members": [{"response_id": r["id"], "company": r["company"]} for r in responses],
    }  # fmt: skip
    proposals.save(db, "network", {}, {}, [network])
    proposals.save(db, "cohort", {}, {}, [cohort], masterclass_id=masterclass["id"])
    user = accounts.add_user(db, "schemathesis@example.dk", "admin")
    _, token = accounts.issue_token(db, user.id, "schemathesis")
    db.close()
    app.config["TEST_TOKEN"] = token
    return app


def _operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_no_server_errors(api_app, mode):
    headers = {"Authorization": f"Bearer {api_app.config['TEST_TOKEN']}"}
    failures = []
    operations = _operations(api_app)
    assert len(operations) >= 10
    for operation in operations:

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # one report for every failing operation
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
