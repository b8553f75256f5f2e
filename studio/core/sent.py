"""Which of a request's params really went out: a model's params carry defaults for every
mode (a denoising strength on a text-to-image call, an unset style), but provenance and
exported metadata should list only what the provider was sent."""

from __future__ import annotations

from typing import Any


def sent_params(params: dict[str, Any] | None, prepared: dict[str, Any] | None) -> dict[str, Any]:
    """`params` reduced to those the prepared call carries: under their own name as a key of
    the JSON body or form, or (renamed, as in a ComfyUI workflow or a URL) by their value.
    Without a recorded body or form there is nothing to check against: all are kept."""
    params = dict(params or {})
    if not prepared or (prepared.get("body") is None and prepared.get("form") is None):
        return params
    keys: set[str] = set()
    values: set[str] = set()
    for part in ("body", "form"):
        _walk(prepared.get(part), keys, values)
    url = str(prepared.get("url") or "")
    out = {}
    for name, value in params.items():
        if value is None or value == "" or value == []:
            continue
        renamed = isinstance(value, str) and len(value) > 3 and (value in values or value in url)
        if name in keys or renamed:
            out[name] = value
    return out


def _walk(node: Any, keys: set[str], values: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(str(key))
            _walk(value, keys, values)
    elif isinstance(node, list):
        for value in node:
            _walk(value, keys, values)
    elif node is not None:
        values.add(str(node))
