"""Property-based checks: whatever arrives, validators answer a value or a clear 4xx, never 500."""

from __future__ import annotations

import io
import itertools
import json

import pytest
from conftest import company_body
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.reference import nace, regions
from matchmaker.reference.validation import InvalidInput, validate
from matchmaker.store import imports, profiles, questionnaires

FIXTURE_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none()
    | st.booleans()
    # beyond SQLite's 64-bit integers: see test_known_overflowing_integers_are_a_422
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats()
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
COMPANY_FIELDS = sorted(profiles.CompanyIn.model_fields)


def _body_like(fields: list[str], base: dict) -> st.SearchStrategy[dict]:
    """A body near a valid one: some fields replaced by any JSON, some dropped, some added."""
    return st.builds(
        lambda changes, dropped, extra: {
            k: v for k, v in (base | changes | extra).items() if k not in dropped
        },
        st.dictionaries(st.sampled_from(fields), json_values, max_size=4),
        st.sets(st.sampled_from(fields), max_size=3),
        st.dictionaries(st.text(max_size=10), json_values, max_size=2),
    )


def post_json(client, url: str, body, **kwargs):
    """POST `body` as ASCII-escaped JSON (lone surrogates and all, as any client may send)."""
    return client.post(url, data=json.dumps(body), content_type="application/json", **kwargs)


def _status_ok(answer, allowed: set[int]) -> None:
    assert answer.status_code in allowed, (answer.status_code, answer.get_data(as_text=True)[:500])
    if answer.status_code >= 400:
        body = answer.get_json()
        assert isinstance(body, dict) and body.get("error"), body


# --- the company profile through the API --------------------------------------------------


@FIXTURE_SETTINGS
@given(body=_body_like(COMPANY_FIELDS, company_body(cvr=None)))
@example(body=company_body(cvr=None, founded=-(2**64)))
@example(body=company_body(cvr=None, name="\ud800"))
@example(body=company_body(cvr=None) | {"\ud800": 1})
def test_registration_answers_201_or_a_clear_4xx(client, auth, body):
    answer = post_json(client, "/api/v1/companies", body)
    _status_ok(answer, {201, 409, 422})
    if answer.status_code == 201:
        created = answer.get_json()
        stored = client.get(f"/api/v1/companies/{created['id']}", headers=auth).get_json()
        assert stored == {k: v for k, v in created.items() if k not in ("edit_token", "edit_url")}
        assert stored["region"] in regions.REGIONS
        assert stored["nace"] is None or stored["nace"] in nace.codes()
        assert stored["cvr"] is None or profiles.valid_cvr(stored["cvr"])


@FIXTURE_SETTINGS
@given(raw=st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_registration_with_any_bytes(client, raw):
    answer = client.post("/api/v1/companies", data=raw, content_type="application/json")
    _status_ok(answer, {201, 400, 409, 422})


_FIRMS = itertools.count()


@FIXTURE_SETTINGS
@given(changes=st.dictionaries(st.sampled_from(COMPANY_FIELDS) | st.text(max_size=8), json_values,
                               max_size=4))  # fmt: skip
def test_patch_answers_200_or_a_clear_4xx(client, auth, changes):
    # a new firm each example (the same name and e-mail without a CVR is one firm: 409)
    body = company_body(cvr=None, name=f"Firma {next(_FIRMS)} ApS")
    created = client.post("/api/v1/companies", json=body)
    company_id = created.get_json()["id"]
    answer = client.patch(
        f"/api/v1/companies/{company_id}", data=json.dumps(changes),
        content_type="application/json", headers=auth,
    )  # fmt: skip
    _status_ok(answer, {200, 409, 422})


@FIXTURE_SETTINGS
@given(
    params=st.dictionaries(
        st.sampled_from(["region", "nace", "kind", "q", "limit", "offset", "format", "lang"]),
        st.text(max_size=12),
        max_size=4,
    )
)
def test_list_and_export_query_strings(client, auth, params):
    _status_ok(client.get("/api/v1/companies", query_string=params, headers=auth), {200, 422})
    answer = client.get("/api/v1/companies/export", query_string=params, headers=auth)
    _status_ok(answer, {200, 422})


# --- questionnaires --------------------------------------------------------------------------

RESPONSE_BASE = {
    "company": "Testfirma ApS",
    "employees": 12,
    "core_business": "Vi laver software til landbruget.",
    "barriers": "Mangel på data",
}


@FIXTURE_SETTINGS
@given(body=_body_like(sorted(questionnaires.ResponseIn.model_fields), RESPONSE_BASE))
def test_questionnaire_answers_201_or_a_clear_4xx(client, auth, body):
    masterclass = client.post(
        "/api/v1/masterclasses", headers=auth,
        json={"title": "AI", "theme": "AI i produktion", "capacity": 10},
    ).get_json()  # fmt: skip
    answer = post_json(client, f"/api/v1/masterclasses/{masterclass['id']}/responses", body)
    _status_ok(answer, {201, 422})


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), json_values, max_size=6) | json_values)
def test_masterclass_validator_never_raises_anything_else(data):
    for model in (questionnaires.MasterclassIn, questionnaires.ResponseIn, profiles.CompanyIn):
        try:
            validate(model, data)
        except InvalidInput as exc:
            assert exc.fields and all(isinstance(m, str) and m for m in exc.fields.values())


@settings(max_examples=200, deadline=None)
@given(
    data=st.fixed_dictionaries(
        {
            "title": st.text(max_size=250),
            "theme": st.text(max_size=50),
            "date": st.text(max_size=12) | st.dates().map(str),
            "capacity": st.integers(-5, 2000),
        }
    )
)
def test_masterclass_fields(data):
    try:
        masterclass = validate(questionnaires.MasterclassIn, data)
    except InvalidInput as exc:
        assert set(exc.fields) <= {"title", "theme", "date", "capacity"}
    else:
        assert 1 <= masterclass.capacity <= 1000 and masterclass.title.strip()


# --- normalisers -----------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(value=st.text(max_size=12) | st.from_regex(r"\s*\d{2}\.?\d{0,2}\s*|\d{6}", fullmatch=True))
def test_nace_normaliser_gives_a_known_code_or_valueerror(value):
    try:
        code = nace.normalise(value)
    except ValueError as exc:
        assert "NACE" in str(exc) or "DB07" in str(exc)
    else:
        assert code in nace.codes()
        assert nace.normalise(code) == code  # idempotent


@settings(max_examples=200, deadline=None)
@given(code=st.sampled_from(sorted(c for c in nace.codes() if len(c) == 5)))
def test_nace_spellings_agree(code):
    digits = code.replace(".", "")
    assert nace.normalise(code) == nace.normalise(digits) == nace.normalise(digits + "00") == code


@settings(max_examples=500, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_cvr_check_is_the_modulus_11_rule(digits):
    weighted = sum(int(d) * w for d, w in zip(digits, profiles.CVR_WEIGHTS, strict=True))
    assert profiles.valid_cvr(digits) == (digits[0] != "0" and weighted % 11 == 0)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=14))
def test_cvr_field_normalises_or_explains(value):
    body = company_body(cvr=value)
    try:
        profile = validate(profiles.CompanyIn, body)
    except InvalidInput as exc:
        assert set(exc.fields) == {"cvr"} and "modulus-11" in exc.fields["cvr"]
    else:
        assert profile.cvr is None or profiles.valid_cvr(profile.cvr)
        if profile.cvr:
            assert profile.cvr == value.strip().replace(" ", "")


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=30))
def test_region_normaliser(value):
    assert regions.normalise(value) in (None, *regions.REGIONS)


@settings(max_examples=300, deadline=None)
@given(row=st.dictionaries(st.sampled_from(COMPANY_FIELDS), st.text(max_size=20), max_size=8))
def test_form_strings_coerce_without_error(row):
    coerced = profiles.coerce_strings(row)
    assert set(coerced) == set(row)
    try:
        validate(profiles.CompanyIn, coerced)
    except InvalidInput:
        pass


# --- member-list files -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(content=(st.binary(max_size=400) | st.text(max_size=300).map(lambda s: s.encode("utf-8"))))
@example(content=b"PK\x03\x04garbage")
@example(content=b'navn;cvr\n"unterminated;1\n')
def test_member_list_reader_gives_rows_or_invalid_input(content):
    for name in ("list.csv", "list.xlsx", "list.txt", ""):
        try:
            rows = imports.read_table(name, content)
        except InvalidInput as exc:
            assert exc.fields
        else:
            assert rows and all(isinstance(r, dict) for r in rows)


@FIXTURE_SETTINGS
@given(
    content=st.binary(max_size=300).filter(lambda b: b"\r" not in b),
    filename=st.sampled_from(["a.csv", "a.xlsx", "a.pdf", ""]),
)
def test_import_endpoint_answers_a_clear_4xx(client, auth, content, filename):
    answer = client.post(
        "/api/v1/companies/import", headers=auth,
        data={"file": (io.BytesIO(content), filename)},
    )  # fmt: skip
    _status_ok(answer, {201, 422})


@pytest.mark.parametrize("value", ["62.01", "6201", "620100", " 62 01 "])
def test_nace_documented_spellings(value):
    assert nace.normalise(value) == "62.01"


# --- integers past SQLite's range and stray carriage returns are a 422, not a 500 ----------


@pytest.mark.parametrize("where", ["company", "patch", "response"])
def test_overflowing_integers_are_a_422(client, auth, where):
    huge = 2**63
    if where == "company":
        answer = post_json(client, "/api/v1/companies", company_body(employees=huge))
    elif where == "patch":
        company_id = post_json(client, "/api/v1/companies", company_body()).get_json()["id"]
        answer = client.patch(
            f"/api/v1/companies/{company_id}", json={"employees": huge}, headers=auth
        )
    else:
        masterclass = client.post(
            "/api/v1/masterclasses", headers=auth,
            json={"title": "AI", "theme": "AI", "capacity": 10},
        ).get_json()  # fmt: skip
        answer = post_json(
            client, f"/api/v1/masterclasses/{masterclass['id']}/responses",
            RESPONSE_BASE | {"employees": huge},
        )  # fmt: skip
    assert answer.status_code == 422


@pytest.mark.parametrize("content", [b"a\rb\n", b'navn,cvr\nx\r"y,1\n'])
def test_carriage_return_in_a_csv_is_not_a_500(client, auth, content):
    answer = client.post(
        "/api/v1/companies/import", headers=auth,
        data={"file": (io.BytesIO(content), "members.csv")},
    )  # fmt: skip
    assert answer.status_code == 422
