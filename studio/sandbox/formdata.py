"""A small multipart/form-data parser (the sandbox avoids a python-multipart dependency)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


class FormDataError(ValueError):
    """The body is not the multipart/form-data its Content-Type claims."""


@dataclass(frozen=True)
class FilePart:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class FormData:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)

    def file(self, name: str) -> FilePart | None:
        return next((f for f in self.files if f.field == name), None)


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `type/sub; a=1; b="x"` into ("type/sub", {"a": "1", "b": "x"})."""
    main, _, rest = value.partition(";")
    params = {}
    for key, raw in _PARAM.findall(";" + rest):
        raw = raw.strip()
        if raw.startswith('"') and raw.endswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        params[key.lower()] = raw
    return main.strip().lower(), params


def is_multipart(content_type: str | None) -> bool:
    return header_params(content_type or "")[0] == "multipart/form-data"


def parse_form(body: bytes, content_type: str) -> FormData:
    kind, params = header_params(content_type)
    boundary = params.get("boundary")
    if kind != "multipart/form-data" or not boundary:
        raise FormDataError("Content-Type must be multipart/form-data with a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise FormDataError("multipart body is missing its closing boundary")
    form = FormData()
    for chunk in chunks[1:-1]:
        _add_part(form, chunk)
    return form


def _add_part(form: FormData, chunk: bytes) -> None:
    if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
        raise FormDataError("malformed multipart part")
    head, sep, data = chunk[2:-2].partition(b"\r\n\r\n")
    if not sep:
        raise FormDataError("multipart part has no header/body separator")
    headers = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    disposition, params = header_params(headers.get("content-disposition", ""))
    if disposition != "form-data" or "name" not in params:
        raise FormDataError("multipart part needs Content-Disposition: form-data; name=...")
    if "filename" in params:
        content_type = headers.get("content-type", "application/octet-stream")
        form.files.append(FilePart(params["name"], params["filename"], content_type, data))
    else:
        form.fields[params["name"]] = data.decode("utf-8", "replace")
