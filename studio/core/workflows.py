"""Imported ComfyUI workflows: files in the config folder, registered as models at start.

A workflow is data, never code. Importing one validates it completely (size, JSON depth,
graph shape, input values, parameters, the form it makes) before anything is written;
a valid one is saved atomically as `<workflows_dir>/<slug>.json` and registered with every
workflow host: each provider that runs ComfyUI workflows (it has `templates` and
`add_workflow`), under whatever model id that provider gives it.

Saved file: {"format": FORMAT, "name": ..., "imported_at": ..., "source_file": ...,
"document": <the API-format graph or template document as imported>}. A plain API-format
file dropped into the folder by hand loads too, named after its file.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from studio.core.atomic import write_atomic
from studio.providers.base import ModelInfo, Provider
from studio.providers.comfy_workflows import (
    MAX_WORKFLOW_BYTES,
    WorkflowError,
    WorkflowTemplate,
    build_params_model,
    parse_document,
    template_from_document,
)

FORMAT = "provider-studio.imported-workflow/1"
ID_PREFIX = "imported/"
MAX_NAME = 80
MAX_FILES = 500
# The saved file is re-indented and wraps the document; the document itself is re-checked
# against MAX_WORKFLOW_BYTES when it is loaded.
MAX_SAVED_BYTES = 4 * MAX_WORKFLOW_BYTES
_SLUG = re.compile(r"[^a-z0-9]+")


class WorkflowImportError(ValueError):
    """A workflow that was not imported, with what to fix. Nothing was saved."""


@runtime_checkable
class WorkflowHost(Protocol):
    """A provider that runs ComfyUI workflows."""

    templates: dict[str, WorkflowTemplate]
    models: Mapping[str, ModelInfo]

    def add_workflow(self, template: WorkflowTemplate) -> ModelInfo: ...


def workflow_hosts(providers: Mapping[str, Provider]) -> dict[str, WorkflowHost]:
    """The providers that run ComfyUI workflows, in catalog order."""
    return {pid: p for pid, p in providers.items() if isinstance(p, WorkflowHost)}


@dataclass(frozen=True)
class ImportedWorkflow:
    """A workflow the artist imported, and the models it is registered as."""
    id: str  # the ComfyUI model id, imported/<slug>
    name: str
    path: Path
    modes: tuple[str, ...]
    models: tuple[tuple[str, str], ...]  # (provider id, model id) it is registered as

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "path": str(self.path),
                "modes": list(self.modes), "models": [list(m) for m in self.models]}


def slug_for(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-")[:60].strip("-")


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise WorkflowImportError("give the workflow a name")
    if len(name) > MAX_NAME:
        raise WorkflowImportError(f"the name is {len(name)} characters; the limit is {MAX_NAME}")
    if not name.isprintable():
        raise WorkflowImportError("the name has control characters")
    if not slug_for(name):
        raise WorkflowImportError("the name needs at least one letter or digit (a-z, 0-9)")
    return name


def own_workflow_hosts(providers: Mapping[str, Provider]) -> dict[str, Provider]:
    """The providers with each workflow host copied, so one Studio's imported workflows never
    reach the process-wide registry (or another Studio). The copy keeps the client id and
    progress sockets; only its workflow tables are its own."""
    result = dict(providers)
    for provider_id, host in workflow_hosts(providers).items():
        fork = copy.copy(host)
        fork.templates = dict(host.templates)
        fork.models = dict(host.models)
        result[provider_id] = fork  # type: ignore[assignment]
    return result


class WorkflowLibrary:
    """The imported workflows of one Studio: the folder they live in and the hosts they are
    registered with."""

    def __init__(self, folder: Path, providers: Mapping[str, Provider]) -> None:
        self.folder = folder
        self.hosts: dict[str, WorkflowHost] = workflow_hosts(providers)
        self._imported: dict[str, ImportedWorkflow] = {}

    def imported(self) -> list[ImportedWorkflow]:
        return sorted(self._imported.values(), key=lambda w: w.name.lower())

    def load_all(self) -> list[str]:
        """Register every saved workflow; a file that cannot be used becomes a warning."""
        warnings: list[str] = []
        files = sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []
        if len(files) > MAX_FILES:
            warnings.append(f"Imported workflows: only the first {MAX_FILES} of {len(files)} "
                            f"files in {self.folder} were loaded")
        for path in files[:MAX_FILES]:
            try:
                name, document = _read_saved(path)
                template = self._template(document, name, ID_PREFIX + path.stem)
            except (WorkflowError, OSError, ValueError, TypeError, RecursionError) as exc:
                warnings.append(f"Imported workflow {path.name} was skipped: {exc}")
                continue
            self._register(template, path)
        return warnings

    def import_workflow(
        self,
        source: Path | str | bytes,
        name: str | None = None,
        *,
        replace: bool = False,
    ) -> ImportedWorkflow:
        """Validate, save atomically, register. `source` is a file path or the JSON itself."""
        if not self.hosts:
            raise WorkflowImportError("no ComfyUI provider is available to run workflows")
        text, source_file = _read_source(source)
        try:
            document = parse_document(text)
        except WorkflowError as exc:
            raise WorkflowImportError(str(exc)) from None
        if name is None or not name.strip():
            declared = document.get("name") if isinstance(document, dict) else None
            name = declared if isinstance(declared, str) and declared.strip() else (
                Path(source_file).stem if source_file else "")
        name = check_name(name)
        slug = slug_for(name)
        path = self.folder / f"{slug}.json"
        if not replace and (path.exists() or ID_PREFIX + slug in self._imported):
            raise WorkflowImportError(f"a workflow named {name!r} ({ID_PREFIX}{slug}) is "
                                      "already imported; choose another name or replace it")
        template = self._template(document, name, ID_PREFIX + slug)
        saved = {"format": FORMAT, "name": name,
                 "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "source_file": source_file, "document": document}
        write_atomic(path, json.dumps(saved, indent=1, ensure_ascii=False).encode() + b"\n")
        return self._register(template, path)

    def _template(self, document: Any, name: str, workflow_id: str) -> WorkflowTemplate:
        """The template and its forms, built in full so a bad workflow fails before saving."""
        try:
            template = template_from_document(document, default_id=workflow_id,
                                              source="imported", name=name)
            # A template document's own "id" must not replace a bundled workflow.
            template = dataclasses.replace(template, id=workflow_id, name=name)
            build_params_model(template)
        except WorkflowError as exc:
            raise WorkflowImportError(str(exc)) from None
        except (ValueError, TypeError) as exc:
            raise WorkflowImportError(f"its parameters do not make a valid form ({exc})") from None
        return template

    def _register(self, template: WorkflowTemplate, path: Path) -> ImportedWorkflow:
        models = tuple((pid, host.add_workflow(template).id) for pid, host in self.hosts.items())
        workflow = ImportedWorkflow(template.id, template.name, path,
                                    tuple(m.value for m in template.modes), models)
        self._imported[template.id] = workflow
        return workflow


def _read_source(source: Path | str | bytes) -> tuple[bytes, str | None]:
    if isinstance(source, str | bytes):
        data = source.encode() if isinstance(source, str) else source
        _check_size(len(data))
        return data, None
    try:
        size = source.stat().st_size
        _check_size(size)
        with source.open("rb") as fh:
            data = fh.read(MAX_WORKFLOW_BYTES + 1)
    except IsADirectoryError:
        raise WorkflowImportError(f"{source.name} is a folder, not a workflow file") from None
    except OSError as exc:
        raise WorkflowImportError(f"{source.name}: cannot be read "
                                  f"({exc.strerror or exc})") from None
    _check_size(len(data))  # the file may have grown since stat()
    return data, source.name


def _check_size(size: int) -> None:
    if size > MAX_WORKFLOW_BYTES:
        raise WorkflowImportError(f"the file is {size / 1e6:.1f} MB; the limit is "
                                  f"{MAX_WORKFLOW_BYTES / 1e6:.0f} MB")


def _read_saved(path: Path) -> tuple[str, Any]:
    """(name, document) of a saved file, or of a plain workflow dropped in by hand."""
    if path.stat().st_size > MAX_SAVED_BYTES:
        raise WorkflowError(f"the file is larger than {MAX_SAVED_BYTES / 1e6:.0f} MB")
    data = json.loads(path.read_bytes())
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return path.stem, parse_document(json.dumps(data))
    name = data.get("name")
    if not isinstance(name, str):
        raise WorkflowError("the saved file has no name")
    # Re-checked as if imported again: the file may have been edited since.
    return check_name(name), parse_document(json.dumps(data.get("document"),
                                                       separators=(",", ":")))

