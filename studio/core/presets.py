"""Presets: named parameter sets per model, shipped (resources/presets/*.json) and user-made
(presets.json in the config folder), exportable and importable as JSON; and the example
prompts shipped beside them.

A shipped file, and an exported one, is
    {"format": "provider-studio.presets/1",
     "models": ["comfyui:qwen-image-txt2img", ...],        # optional: who the presets are for
     "presets": [{"name": ..., "params": {...}, "description": ...,
                  "provider": ..., "model": ...}, ...],      # provider/model: per preset
     "examples": ["a prompt", ...]}                         # optional, shipped files only
The user's own file keeps its older shape {"provider/model": {"Name": {...params...}}}.
A damaged file is logged and treated as empty, never a reason not to start. A user preset
with a shipped preset's name is used instead of it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.json_files import read_json, write_json
from studio.resources import ROOT as RESOURCES

log = logging.getLogger(__name__)

FORMAT = "provider-studio.presets/1"
SHIPPED_DIR = RESOURCES / "presets"
USER_FILE = "presets.json"
MAX_NAME = 80
MAX_FILE_BYTES = 1_000_000
MAX_PRESETS = 2_000


class PresetError(ValueError):
    """A preset or presets file that cannot be used, with what to fix. Nothing was saved."""


@dataclass(frozen=True)
class Preset:
    """Named parameter values for one model."""
    provider: str
    model: str
    name: str
    params: dict[str, Any]
    source: str = "user"  # user or shipped
    description: str = ""

    @property
    def target(self) -> str:
        return f"{self.provider}:{self.model}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"provider": self.provider, "model": self.model,
                               "name": self.name, "params": self.params,
                               "source": self.source}
        if self.description:
            out["description"] = self.description
        return out


@dataclass
class ImportResult:
    """What an import of presets added, replaced and skipped."""
    added: list[Preset] = field(default_factory=list)
    replaced: list[Preset] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why each was not imported

    def as_dict(self) -> dict[str, Any]:
        return {"added": [p.as_dict() for p in self.added],
                "replaced": [p.as_dict() for p in self.replaced], "skipped": self.skipped}


def split_target(text: str) -> tuple[str, str]:
    """"provider:model" -> (provider, model)."""
    provider, sep, model = text.partition(":")
    if not sep or not provider or not model:
        raise PresetError(f"{text!r}: write a model as PROVIDER:MODEL, e.g. "
                          "comfyui:qwen-image-txt2img")
    return provider, model


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not " ".join(name.split()):
        raise PresetError("a preset needs a name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise PresetError(f"the name is {len(name)} characters; the limit is {MAX_NAME}")
    if not name.isprintable():
        raise PresetError("the name has control characters")
    return name


def _plain(value: Any, depth: int = 0) -> bool:
    if depth > 4:
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if value is None or isinstance(value, str | int | bool):
        return True
    if isinstance(value, list):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v, depth + 1) for k, v in value.items())
    return False


def check_params(params: Any) -> dict[str, Any]:
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params):
        raise PresetError("params must be an object of setting -> value")
    if not _plain(params):
        raise PresetError("params hold numbers, text, true/false, lists or objects only")
    return dict(params)


def unknown_params(params: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """The settings of a preset that a model's form does not have."""
    known = set(fields)
    return sorted(k for k in params if k not in known)


def _entries(data: Any, where: str) -> tuple[list[Preset], list[str]]:
    """The presets of a shipped or exported document, and the examples it carries."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PresetError(f"{where}: not a presets file (format {FORMAT!r})")
    models = data.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) for m in models):
        raise PresetError(f"{where}: models must be a list of PROVIDER:MODEL")
    targets = [split_target(m) for m in models]
    raw = data.get("presets", [])
    if not isinstance(raw, list):
        raise PresetError(f"{where}: presets must be a list")
    if len(raw) > MAX_PRESETS:
        raise PresetError(f"{where}: {len(raw)} presets; the limit is {MAX_PRESETS}")
    presets = []
    for n, item in enumerate(raw, 1):
        if not isinstance(item, dict):
            raise PresetError(f"{where}: preset {n} must be an object")
        try:
            name = check_name(item.get("name"))
            params = check_params(item.get("params"))
        except PresetError as exc:
            raise PresetError(f"{where}: preset {n}: {exc}") from None
        own = item.get("provider"), item.get("model")
        if isinstance(own[0], str) and isinstance(own[1], str) and own[0] and own[1]:
            pairs = [(own[0], own[1])]
        elif targets:
            pairs = targets
        else:
            raise PresetError(f"{where}: preset {n} ({name}) names no provider and model")
        description = str(item.get("description") or "")[:500]
        presets += [Preset(p, m, name, params, "shipped", description) for p, m in pairs]
    examples = data.get("examples", [])
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise PresetError(f"{where}: examples must be a list of prompts")
    return presets, examples


class PresetLibrary:
    """The shipped presets (read once) and the user's (read from their file each time, so
    the app, the CLI and another window agree)."""

    def __init__(self, path: Path, shipped_dir: Path | None = SHIPPED_DIR) -> None:
        self.path = path
        self._shipped: dict[tuple[str, str], list[Preset]] = {}
        self._examples: dict[tuple[str, str], list[str]] = {}
        self.warnings: list[str] = []
        if shipped_dir is not None and shipped_dir.is_dir():
            for file in sorted(shipped_dir.glob("*.json")):
                self._load_shipped(file)

    def _load_shipped(self, file: Path) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            presets, examples = _entries(data, file.name)
            models = [split_target(m) for m in data.get("models", [])]
        except (OSError, ValueError) as exc:
            self.warnings.append(f"Shipped presets {file.name} were skipped: {exc}")
            log.warning("presets.shipped_skipped file=%s error=%s", file, exc)
            return
        for preset in presets:
            self._shipped.setdefault((preset.provider, preset.model), []).append(preset)
        for target in models:
            self._examples.setdefault(target, []).extend(examples)

    @staticmethod
    def key(provider: str, model: str) -> str:
        return f"{provider}/{model}"

    # -- reading ---------------------------------------------------------------------------

    def _user(self) -> dict[str, Any]:
        return read_json(self.path, {})

    def _user_presets(self, provider: str, model: str) -> list[Preset]:
        found = self._user().get(self.key(provider, model), {})
        if not isinstance(found, dict):
            return []
        return [Preset(provider, model, name, params) for name, params in sorted(found.items())
                if isinstance(params, dict)]

    def presets(self, provider: str, model: str) -> list[Preset]:
        """Shipped first (in their file's order), then the user's by name; a user preset
        with a shipped name takes its place."""
        user = self._user_presets(provider, model)
        names = {p.name for p in user}
        shipped = [p for p in self._shipped.get((provider, model), []) if p.name not in names]
        return shipped + user

    def all(self) -> list[Preset]:
        targets = set(self._shipped)
        for key in self._user():
            provider, _, model = key.partition("/")
            if model:
                targets.add((provider, model))
        return [p for t in sorted(targets) for p in self.presets(*t)]

    def names(self, provider: str, model: str) -> list[str]:
        return [p.name for p in self.presets(provider, model)]

    def find(self, provider: str, model: str, name: str) -> Preset | None:
        wanted = " ".join(name.split()).casefold()
        return next((p for p in self.presets(provider, model)
                     if p.name.casefold() == wanted), None)

    def get(self, provider: str, model: str, name: str) -> dict[str, Any] | None:
        found = self.find(provider, model, name)
        return dict(found.params) if found is not None else None

    def is_shipped(self, provider: str, model: str, name: str) -> bool:
        found = self.find(provider, model, name)
        return found is not None and found.source == "shipped"

    def examples(self, provider: str, model: str) -> list[str]:
        return list(self._examples.get((provider, model), []))

    # -- the user's presets ----------------------------------------------------------------

    def save(self, provider: str, model: str, name: str, params: dict[str, Any]) -> Preset:
        name = check_name(name)
        params = check_params(params)
        data = self._user()
        slot = data.setdefault(self.key(provider, model), {})
        if not isinstance(slot, dict):
            slot = data[self.key(provider, model)] = {}
        slot[name] = params
        write_json(self.path, data)
        return Preset(provider, model, name, params)

    def delete(self, provider: str, model: str, name: str) -> bool:
        """Remove a user preset (a shipped one cannot be deleted)."""
        data = self._user()
        slot = data.get(self.key(provider, model), {})
        removed = isinstance(slot, dict) and slot.pop(name, None) is not None
        if removed:
            write_json(self.path, data)
        return removed

    # -- export and import -----------------------------------------------------------------

    def export(self, targets: Iterable[tuple[str, str]] | None = None, *,
               shipped: bool = False) -> dict[str, Any]:
        """The user's presets (and the shipped ones with `shipped`) as one JSON document."""
        chosen = set(targets) if targets is not None else None
        items = [p for p in self.all()
                 if (shipped or p.source == "user")
                 and (chosen is None or (p.provider, p.model) in chosen)]
        return {"format": FORMAT, "presets": [
            {k: v for k, v in p.as_dict().items() if k != "source"} for p in items]}

    def export_to(self, path: Path, targets: Iterable[tuple[str, str]] | None = None, *,
                  shipped: bool = False) -> int:
        document = self.export(targets, shipped=shipped)
        write_json(path, document)
        return len(document["presets"])

    def import_document(self, source: Path | str | bytes, *,
                        replace: bool = True) -> ImportResult:
        """Presets from an exported (or shipped-format) file into the user's own; a name
        already there is replaced (or skipped without `replace`). Checked whole first:
        a bad file changes nothing."""
        if isinstance(source, Path):
            try:
                if source.stat().st_size > MAX_FILE_BYTES:
                    raise PresetError(f"{source.name} is larger than "
                                      f"{MAX_FILE_BYTES // 1_000_000} MB")
                text: str | bytes = source.read_bytes()
            except OSError as exc:
                raise PresetError(f"{source.name}: cannot be read "
                                  f"({exc.strerror or exc})") from None
            where = source.name
        else:
            text, where = source, "the presets"
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise PresetError(f"{where}: not valid JSON ({exc})") from None
        presets, _ = _entries(data, where)
        result = ImportResult()
        user = self._user()
        for preset in presets:
            slot = user.setdefault(self.key(preset.provider, preset.model), {})
            if preset.name in slot and not replace:
                result.skipped.append(f"{preset.target} {preset.name!r}: a preset of that "
                                      "name exists")
                continue
            (result.replaced if preset.name in slot else result.added).append(
                Preset(preset.provider, preset.model, preset.name, preset.params))
            slot[preset.name] = preset.params
        if result.added or result.replaced:
            write_json(self.path, user)
        return result


def library_for(config_dir: Path) -> PresetLibrary:
    """The presets of one studio home (its config folder)."""
    return PresetLibrary(config_dir / USER_FILE)
