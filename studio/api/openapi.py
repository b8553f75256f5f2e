"""The OpenAPI 3.1 document, drawn from the operation table and its pydantic models."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.requests import Request
from starlette.responses import Response

from studio import __version__
from studio.api.schemas import BudgetRefusalOut, ErrorOut

Endpoint = Callable[[Request], Awaitable[Response]]

_REASONS = {200: "OK", 201: "Created", 400: "Bad request", 401: "No or wrong bearer token",
            402: "Refused by a spend budget (nothing was sent)",
            403: "Foreign Host header or origin", 404: "Not found", 409: "Conflict",
            413: "Request body too large", 422: "Invalid input; `fields` names each bad field",
            502: "The provider's service failed or refused (`error` says why)"}

# Errors whose body says more than ErrorOut.
_ERROR_MODELS: dict[int, type[BaseModel]] = {402: BudgetRefusalOut}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    endpoint: Endpoint
    summary: str
    response: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"
    errors: tuple[int, ...] = ()
    auth: bool = True
    tag: str = "studio"

    @property
    def operation_id(self) -> str:
        words = re.sub(r"[{}]", "", self.path).strip("/").replace("/", "_")
        return f"{self.method.lower()}_{words or 'root'}"


def _error_models() -> list[type[BaseModel]]:
    return [ErrorOut, *_ERROR_MODELS.values()]


def build_openapi(operations: Sequence[Operation]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "serialization") for model in _error_models()]
    for op in operations:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), by_alias=True,
                                    ref_template="#/components/schemas/{model}")
    error_ref = refs[(ErrorOut, "serialization")]
    error_refs = {code: refs[(m, "serialization")] for code, m in _ERROR_MODELS.items()}
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        item: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary,
                                "tags": [op.tag], "responses": {}}
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
                  for n in re.findall(r"{(\w+)}", op.path)]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", []))
            params += [{"name": n, "in": "query", "required": n in required, "schema": s,
                        **({"description": s["description"]} if "description" in s else {})}
                       for n, s in schema["properties"].items()]
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(op.body, "validation")]}}}
        ok: dict[str, Any] = {"description": _REASONS.get(op.status, "OK")}
        if op.response is not None:
            ok["content"] = {op.media_type: {"schema": refs[(op.response, "serialization")]}}
        elif op.media_type != "application/json":
            ok["content"] = {op.media_type: {"schema": {"type": "string",
                                                        "format": "binary"}}}
        item["responses"][str(op.status)] = ok
        codes = (*op.errors, 401) if op.auth else op.errors
        for code in sorted({*codes, 403}):
            item["responses"][str(code)] = {
                "description": _REASONS[code],
                "content": {"application/json": {"schema": error_refs.get(code, error_ref)}}}
        item["security"] = [{"bearer": []}] if op.auth else []
        paths.setdefault(op.path, {})[op.method.lower()] = item
    return {
        "openapi": "3.1.0",
        "info": {"title": "Provider Studio automation API", "version": __version__,
                 "description": "Loopback-only HTTP access to the studio: catalog, generate "
                                "(dry-run unless enabled in the app), jobs, assets. Every "
                                "route but /health and /docs needs the bearer token."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {}),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
