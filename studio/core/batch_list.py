"""Batch from a list: a text file (one prompt per line) or a CSV file (columns prompt,
negative, seed, image, and any other column as a model setting) sent to one or more models
as ONE batch: the same job_batches rows as variations (core/batches.py), so the Gallery stacks it
and `BatchRecords.jobs` lists it.

Nothing is sent until every row is good: `read_list` parses, `plan_batch` checks each row
against every target (empty prompt, a seed that is not a whole number in range, a column no
target has, a value a model refuses, an image that cannot be read or that a model cannot
take) and names the row and what is wrong. A row's `image` (an output `asset:<id>`, an
https URL, or a file, relative to the list's folder) is sent as the input image: image
models restyle it, video models start from it. Sending goes one
job after another (`SpendGuard.batch`): the first job a budget refuses stops the rest, and
`cancel()` stops the sending and cancels what was sent.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from studio.core.batches import BatchRecords, new_batch_id
from studio.core.jobs import Job, JobStatus
from studio.core.requests import CheckedRequest, FieldError, RequestError, field_errors
from studio.providers.base import Provider, RenderRequest

if TYPE_CHECKING:
    from studio.core.spend_guard import BatchOutcome, SpendGuard

MAX_ROWS = 1_000
MAX_FILE_BYTES = 2_000_000
MAX_JOBS = 2_000
SUBMIT_WAIT_SECONDS = 15.0  # cancel all: how long a job's submit may take to answer
SEED_MAX = 4_294_967_294  # RenderRequest's bound
PROMPT_COLUMNS = ("prompt",)
NEGATIVE_COLUMNS = ("negative", "negative_prompt")
SEED_COLUMNS = ("seed",)
IMAGE_COLUMNS = ("image", "input_image")
FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.DRY_RUN,
            JobStatus.REFUSED, JobStatus.UNKNOWN}

Target = tuple[str, str]  # (provider id, model id)


class BatchListError(ValueError):
    """A list that cannot be read at all (not a row's problem), with what to fix."""


@dataclass
class BatchRow:
    line: int  # 1-based line of the file (CSV: of the row)
    prompt: str
    negative: str | None = None
    seed: int | None = None
    image: str | None = None  # asset:<id>, an https URL or a file path (made absolute)
    params: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "prompt": self.prompt, "negative": self.negative,
                "seed": self.seed, "image": self.image, "params": self.params,
                "errors": self.errors}


@dataclass
class BatchList:
    rows: list[BatchRow]
    kind: str  # text or csv
    columns: list[str] = field(default_factory=list)  # CSV: the setting columns

    @property
    def errors(self) -> list[str]:
        return [f"line {r.line}: {e}" for r in self.rows for e in r.errors]


# ---- reading ---------------------------------------------------------------------------


def read_list(source: Path | str, *, kind: str | None = None) -> BatchList:
    """A list file (or its text, with `kind` "text" or "csv"). A CSV is a file named
    .csv, or text whose first line has a `prompt` column."""
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
            if size > MAX_FILE_BYTES:
                raise BatchListError(f"{source.name} is {size / 1e6:.1f} MB; the limit is "
                                     f"{MAX_FILE_BYTES / 1e6:.0f} MB")
            data = source.read_bytes()
        except IsADirectoryError:
            raise BatchListError(f"{source.name} is a folder, not a list") from None
        except OSError as exc:
            raise BatchListError(f"{source.name}: cannot be read "
                                 f"({exc.strerror or exc})") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BatchListError(f"{source.name} is not UTF-8 text") from None
        if kind is None:
            kind = "csv" if source.suffix.lower() == ".csv" else None
    else:
        text = source
    if "\x00" in text:
        raise BatchListError("the file is binary, not a list of prompts")
    if kind is None:
        first = next((line for line in text.splitlines() if line.strip()), "")
        kind = "csv" if _header(first) else "text"
    folder = source.parent if isinstance(source, Path) else Path.cwd()
    batch = _read_csv(text, folder) if kind == "csv" else _read_text(text)
    if not batch.rows:
        raise BatchListError("the list has no prompts")
    if len(batch.rows) > MAX_ROWS:
        raise BatchListError(f"the list has {len(batch.rows)} rows; the limit is {MAX_ROWS}")
    return batch


def _header(line: str) -> bool:
    cells = [c.strip().lower() for c in next(csv.reader([line]), [])]
    return len(cells) > 1 and "prompt" in cells


def _read_text(text: str) -> BatchList:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        prompt = line.strip()
        if not prompt or prompt.startswith("#"):
            continue  # blank lines and comments
        rows.append(BatchRow(number, prompt))
    return BatchList(rows, "text")


def _read_csv(text: str, folder: Path) -> BatchList:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise BatchListError("the CSV file is empty") from None
    except csv.Error as exc:
        raise BatchListError(f"the CSV header cannot be read ({exc})") from None
    names = [h.strip() for h in header]
    lowered = [n.lower() for n in names]
    if "prompt" not in lowered:
        raise BatchListError("the CSV needs a 'prompt' column (and may have negative, seed "
                             "and one column per model setting)")
    if len(set(lowered)) != len(lowered):
        raise BatchListError("the CSV has a column name twice")
    if any(not n for n in names):
        raise BatchListError("a CSV column has no name")
    if len([n for n in lowered if n in IMAGE_COLUMNS]) > 1:
        raise BatchListError("the CSV has both an 'image' and an 'input_image' column")
    settings = [n for n in names if n.lower() not in
                (*PROMPT_COLUMNS, *NEGATIVE_COLUMNS, *SEED_COLUMNS, *IMAGE_COLUMNS)]
    rows = []
    try:
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            row = BatchRow(number, "")
            if len(record) > len(names):
                row.errors.append(f"{len(record)} cells but {len(names)} columns")
            cells = dict(zip(lowered, record, strict=False))
            original = dict(zip(lowered, names, strict=True))
            row.prompt = cells.get("prompt", "").strip()
            negative = next((cells[c] for c in NEGATIVE_COLUMNS if c in cells), "").strip()
            row.negative = negative or None
            row.seed = _seed(cells.get("seed", "").strip(), row)
            image = next((cells[c] for c in IMAGE_COLUMNS if c in cells), "").strip()
            row.image = _image_ref(image, folder) if image else None
            for key, value in cells.items():
                if original[key] in settings and value.strip():
                    row.params[original[key]] = _value(value.strip())
            rows.append(row)
    except csv.Error as exc:
        raise BatchListError(f"line {reader.line_num}: the CSV cannot be read ({exc})") from None
    return BatchList(rows, "csv", settings)


def _seed(text: str, row: BatchRow) -> int | None:
    if not text:
        return None
    try:
        seed = int(text)
    except ValueError:
        row.errors.append(f"seed {text!r} is not a whole number")
        return None
    if not 0 <= seed <= SEED_MAX:
        row.errors.append(f"seed {seed} is outside 0 to {SEED_MAX}")
        return None
    return seed


def _image_ref(text: str, folder: Path) -> str:
    """An output or URL as written; a file path made absolute against the list's folder
    (whether it can be read is checked with the row: plan_batch)."""
    if text.startswith(("asset:", "http://", "https://", "data:")):
        return text
    path = Path(text).expanduser()
    return str(path if path.is_absolute() else folder / path)


def _value(text: str) -> Any:
    """A cell as the setting's value: JSON when it reads as JSON (4, 1.5, true, [..]),
    else the text itself (square, euler)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value


# ---- checking against the targets ----------------------------------------------------


class Checker(Protocol):
    @property
    def providers(self) -> Mapping[str, Provider]: ...

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest: ...


@dataclass
class BatchPlan:
    rows: list[BatchRow]
    targets: list[Target]
    requests: list[RenderRequest]  # row by row, each row to every target in order

    @property
    def ok(self) -> bool:
        return bool(self.requests) and all(r.ok for r in self.rows)

    @property
    def errors(self) -> list[str]:
        return [f"line {r.line}: {e}" for r in self.rows for e in r.errors]


def plan_batch(studio: Checker, batch: BatchList, targets: Sequence[Target]) -> BatchPlan:
    """Every row's request to every target, checked; each problem is put on its row."""
    targets = list(dict.fromkeys(targets))
    if not targets:
        raise BatchListError("choose at least one model to send the list to")
    fields: dict[Target, set[str]] = {}
    for provider_id, model_id in targets:
        provider = studio.providers.get(provider_id)
        if provider is None:
            raise BatchListError(f"{provider_id}:{model_id}: no provider {provider_id!r}")
        model = provider.models.get(model_id)
        if model is None:
            raise BatchListError(f"{provider_id}:{model_id}: {provider.info.name} has no "
                                 f"model {model_id!r}")
        fields[(provider_id, model_id)] = set(model.params.model_fields)
    if len(batch.rows) * len(targets) > MAX_JOBS:
        raise BatchListError(f"{len(batch.rows)} rows x {len(targets)} models is "
                             f"{len(batch.rows) * len(targets)} jobs; the limit is {MAX_JOBS}")
    known = set().union(*fields.values())
    requests: list[RenderRequest] = []
    for row in batch.rows:
        if not row.prompt:
            row.errors.append("the prompt is empty")
        for name in row.params:
            if name not in known:
                row.errors.append(f"unknown setting {name!r}: none of the models has it")
        if row.errors:
            continue
        for target in targets:
            params = {k: v for k, v in row.params.items() if k in fields[target]}
            try:
                request = RenderRequest(provider=target[0], model=target[1], prompt=row.prompt,
                                        negative_prompt=row.negative, seed=row.seed,
                                        params=params,
                                        input_images=[row.image] if row.image else [])
                # A row's image is read now: a missing or broken file stops the batch here.
                studio.check(request, load_images=row.image is not None)
            except ValidationError as exc:
                row.errors += [_problem(target, e) for e in field_errors(exc)]
                continue
            except RequestError as exc:
                row.errors += [_problem(target, e) for e in exc.errors]
                continue
            requests.append(request)
    good = all(r.ok for r in batch.rows)
    return BatchPlan(batch.rows, targets, requests if good else [])


def _problem(target: Target, error: FieldError) -> str:
    where = error.field.removeprefix("params.")
    return f"{target[0]}:{target[1]}: {where}: {error.message}"


# ---- sending ---------------------------------------------------------------------------


class BatchHost(Checker, Protocol):
    @property
    def batches(self) -> BatchRecords: ...

    @property
    def budget(self) -> SpendGuard: ...

    async def cancel(self, job_id: str) -> Job: ...


class BatchSender:
    """Sends a plan as one batch; `cancel()` (from any task) stops the sending and cancels
    every job already sent that has not finished."""

    def __init__(self, studio: BatchHost, plan: BatchPlan, batch_id: str | None = None) -> None:
        if not plan.ok:
            raise BatchListError("the list has errors; nothing was sent:\n"
                                 + "\n".join(plan.errors[:20]))
        self.studio = studio
        self.plan = plan
        self.batch_id = batch_id or new_batch_id()
        self.jobs: list[Job] = []
        self.cancelled = False
        self.outcome: BatchOutcome | None = None
        self._cancelling = asyncio.Lock()  # one pass over the jobs at a time

    @property
    def total(self) -> int:
        return len(self.plan.requests)

    def _record(self, position: int, job: Job) -> bool:
        self.studio.batches.add(self.batch_id, job.id, position)
        self.jobs.append(job)
        return not self.cancelled  # False stops the sending

    async def send(self) -> BatchOutcome:
        self.outcome = await self.studio.budget.batch(self.plan.requests, on_job=self._record)
        if self.cancelled:
            await self._cancel_sent()
        return self.outcome

    async def cancel(self) -> None:
        self.cancelled = True
        await self._cancel_sent()

    async def _cancel_sent(self) -> None:
        """Cancel every unfinished job of the batch. A job caught while its submit is on
        the wire is let through it first (cancelled then, it could only become `unknown`:
        the provider may have it), so every job ends `cancelled` at the provider."""
        async with self._cancelling:
            await self._cancel_each()

    async def _cancel_each(self) -> None:
        store = self.studio.batches.store
        for job_id in self.studio.batches.jobs(self.batch_id):
            job = store.get_job(job_id)
            for _ in range(int(SUBMIT_WAIT_SECONDS / 0.05)):
                if job is None or job.status is not JobStatus.SUBMITTING:
                    break
                await asyncio.sleep(0.05)
                job = store.get_job(job_id)
            if job is not None and job.status not in FINISHED:
                await self.studio.cancel(job_id)

