"""The OpenAPI document, generated from the same pydantic schemas that validate requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import jsonify
from pydantic import BaseModel

from web.api import bp

OPENAPI_VERSION = "3.1.0"


@dataclass
class Operation:
    path: str  # OpenAPI form: /companies/{id}
    method: str
    summary: str
    body: type[BaseModel] | None = None
    query: dict[str, dict] = field(default_factory=dict)  # name -> JSON schema
    auth: bool = True
    status: int = 200
    errors: tuple[int, ...] = ()


OPERATIONS: list[Operation] = []


def documented(path: str, method: str, summary: str, **kwargs: Any):
    """Record an endpoint for the OpenAPI document; the body schema is the validating one."""

    def decorate(view):
        OPERATIONS.append(Operation(path, method.lower(), summary, **kwargs))
        return view

    return decorate


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["error"],
}
_REASONS = {
    400: "Malformed request", 401: "Missing or invalid token", 403: "Not allowed",
    404: "Not found", 409: "Conflicts with stored data", 413: "Body over 1 MB",
    415: "Body is not JSON", 422: "Invalid input, one message per field",
}  # fmt: skip


def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {"summary": op.summary, "responses": {}}
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            for name in _path_params(op.path)
        ]
        params += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in op.query.items()
        ]
        if params:
            entry["parameters"] = params
        if op.body is not None:
            model = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(model.pop("$defs", {}))
            schemas[op.body.__name__] = model
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}
                    }
                },
            }
        entry["responses"][str(op.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
        errors = set(op.errors) | ({401, 403} if op.auth else set())
        if params:
            errors.add(404)
        if op.body is not None:
            errors |= {400, 413, 415, 422}
        for code in sorted(errors):
            entry["responses"][str(code)] = {
                "description": _REASONS.get(code, "Error"),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        if op.auth:
            entry["security"] = [{"bearer": []}]
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "matchmaker API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
