"""/api/storyboards: create, list, show, run, approve, regenerate, audition, pick, stitch:
thin handlers over `Studio.storyboards`, in the style of routes.py.

Every job a storyboard sends goes through the one job path (dry-run unless the family is
enabled and a key is present; spend budgets refuse a pass as a whole: 402). A `webhook`
given to run or regenerate is registered for every stage job that call sends (and, with
auto-approve, for the stages the server then sends on its own): one POST per stage as it
ends, the usual job status object. Images in a storyboard sent over the API are outputs
(`asset:<id>`) or https URLs: the API never reads a path on this computer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from studio.api.openapi import Operation
from studio.api.routes import (
    ApiContext,
    ApiError,
    check_webhook,
    invalid,
    parse_targets,
    read_body,
    refused,
    reply,
)
from studio.api.spend_check import budget_refusal
from studio.core.jobs import Job, JobStatus
from studio.core.requests import FieldError, RequestError
from studio.core.sequences.storyboard_requests import StageError
from studio.core.sequences.storyboard_spec import ImportError_, StoryboardSpec, from_json
from studio.core.sequences.storyboards import Storyboard, StoryboardError


class StoryboardOut(BaseModel):
    """A storyboard with each scene's stages (status, attempts, outputs) and the film."""

    model_config = ConfigDict(extra="allow")

    storyboard_id: str
    title: str
    status: str
    auto_approve: bool
    scenes: list[dict[str, Any]]
    final: dict[str, Any] | None = None
    jobs: list[str] = Field(default_factory=list, description="Jobs this call sent")


class StoryboardList(BaseModel):
    storyboards: list[dict[str, Any]]


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    storyboard: dict[str, Any] = Field(description="docs/storyboard.schema.json, or the "
                                       "draft `assist story` writes")


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    auto_approve: bool | None = Field(None, description="Approve each stage as it finishes "
                                      "and go on (kept on the storyboard)")
    webhook: str | None = Field(None, max_length=2048)


class StageRef(BaseModel):
    """A scene's stage: what approve, regenerate, audition and pick act on."""

    model_config = ConfigDict(extra="forbid")

    scene: int = Field(ge=1, description="1-based")
    stage: Literal["keyframe", "clip"]


class StageIn(StageRef):
    notes: str | None = Field(None, max_length=2000, description="regenerate: edits the "
                              "prompt")
    webhook: str | None = Field(None, max_length=2048)


class AuditionIn(StageRef):
    targets: list[str] = Field(min_length=2, max_length=9, description="PROVIDER:MODEL for "
                               "each model to try (a compare group, cells A, B, ...)")
    webhook: str | None = Field(None, max_length=2048)


class PickIn(StageRef):
    job: str | None = Field(None, max_length=64, description="The audition's job to take; "
                            "by default the winner of the group's newest vote")


class StitchOut(BaseModel):
    storyboard_id: str
    final: dict[str, Any] | None
    asset_id: str | None = None
    method: str | None = None


def _ctx(request: Request) -> ApiContext:
    return request.app.state.ctx


def _board(request: Request) -> Storyboard:
    board = _ctx(request).studio.storyboards.get(request.path_params["storyboard_id"])
    if board is None:
        raise ApiError(404, f"no storyboard {request.path_params['storyboard_id']!r}")
    return board


def _out(request: Request, board_id: str, jobs: Sequence[Job] = ()) -> dict[str, Any]:
    boards = _ctx(request).studio.storyboards
    data = boards.board_dict(boards.require(board_id))
    data["jobs"] = [j.id for j in jobs]
    data["links"] = {"self": f"/api/storyboards/{board_id}",
                     "stitch": f"/api/storyboards/{board_id}/stitch"}
    return data


def _local_refs(spec: StoryboardSpec) -> list[FieldError]:
    """Paths on this computer are refused over the API (outputs or https URLs only)."""
    errors = []
    for i, ref in enumerate(spec.reference_images):
        if not ref.startswith(("asset:", "https://")):
            errors.append(FieldError(f"storyboard.reference_images.{i}",
                                     "use asset:<id> or an https:// URL"))
    for i, scene in enumerate(spec.scenes):
        if scene.keyframe.kind == "file":
            errors.append(FieldError(f"storyboard.scenes.{i}.keyframe",
                                     "a file keyframe cannot be sent over the API: "
                                     "use an output (kind asset)"))
    return errors


def _register(request: Request, url: str | None) -> Callable[[list[Job]], None] | None:
    if not url:
        return None
    webhooks = _ctx(request).webhooks

    def on_sent(jobs: list[Job]) -> None:
        for job in jobs:
            if job.status is not JobStatus.REFUSED:
                webhooks.register(job.id, url)
    return on_sent


async def create(request: Request) -> Response:
    body = await read_body(request, CreateIn)
    try:
        spec = from_json(body.storyboard)
    except ImportError_ as exc:
        raise invalid([FieldError("storyboard", str(exc))]) from None
    errors = _local_refs(spec)
    if errors:
        raise invalid(errors)
    board = _ctx(request).studio.storyboards.create(spec)
    return reply(request, _out(request, board.id), 201,
                 headers={"Location": f"/api/storyboards/{board.id}"})


async def list_boards(request: Request) -> Response:
    boards = _ctx(request).studio.storyboards
    rows = [{"storyboard_id": b.id, "title": b.spec.title, "scenes": len(b.spec.scenes),
             "status": boards.status(b), "updated_at": b.updated_at}
            for b in boards.recent()]
    return reply(request, {"storyboards": rows})


async def show(request: Request) -> Response:
    return reply(request, _out(request, _board(request).id))


async def run(request: Request) -> Response:
    board = _board(request)
    body = await read_body(request, RunIn)
    check_webhook(request, body.webhook)
    studio = _ctx(request).studio
    try:  # the whole run is quoted first: over a budget, nothing is sent or written
        quoted = studio.storyboard_requests(board.id)
    except (StoryboardError, StageError) as exc:
        raise invalid([FieldError("storyboard", str(exc))]) from None
    stop = budget_refusal(request, quoted)
    if stop is not None:
        return stop
    on_sent = _register(request, body.webhook)
    sent: list[Job] = []

    def collect(jobs: list[Job]) -> None:
        sent.extend(jobs)
        if on_sent is not None:
            on_sent(jobs)
    try:
        await studio.storyboards.run(board.id, auto_approve=body.auto_approve,
                                     on_sent=collect)
    except StoryboardError as exc:
        raise invalid([FieldError("storyboard", str(exc))]) from None
    refusals = [j for j in sent if j.status is JobStatus.REFUSED]
    if refusals:
        return refused(request, studio, refusals[0])
    if studio.storyboards.require(board.id).spec.auto_approve:
        _keep_going(request, board.id, on_sent)
    return reply(request, _out(request, board.id, sent), 202)


def _keep_going(request: Request, board_id: str,
                on_sent: Callable[[list[Job]], None] | None) -> None:
    """Auto-approve: the server carries the storyboard on as its stages finish."""
    studio = _ctx(request).studio
    tasks: set[asyncio.Task[Any]] = getattr(request.app.state, "storyboard_tasks", set())
    request.app.state.storyboard_tasks = tasks
    task = asyncio.ensure_future(studio.storyboards.run(board_id, wait=True, on_sent=on_sent))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def approve(request: Request) -> Response:
    board = _board(request)
    body = await read_body(request, StageIn)
    try:
        _ctx(request).studio.storyboards.approve(board.id, body.scene, body.stage)
    except StoryboardError as exc:
        raise ApiError(409, str(exc)) from None
    return reply(request, _out(request, board.id))


async def regenerate(request: Request) -> Response:
    board = _board(request)
    body = await read_body(request, StageIn)
    check_webhook(request, body.webhook)
    studio = _ctx(request).studio
    try:
        job = await studio.storyboards.regenerate(board.id, body.scene, body.stage, body.notes)
    except StoryboardError as exc:
        raise ApiError(409, str(exc)) from None
    if job.status is JobStatus.REFUSED:
        return refused(request, studio, job)
    on_sent = _register(request, body.webhook)
    if on_sent is not None:
        on_sent([job])
    return reply(request, _out(request, board.id, [job]), 202)


async def audition(request: Request) -> Response:
    """Fan a stage out to several models as one compare group (priced whole first)."""
    from studio.core.sequences.storyboard_audition import audition as send
    from studio.core.sequences.storyboard_audition import audition_brief
    from studio.core.sequences.storyboard_spec import ModelChoice

    board = _board(request)
    body = await read_body(request, AuditionIn)
    check_webhook(request, body.webhook)
    targets = parse_targets(body.targets)
    studio = _ctx(request).studio
    boards = studio.storyboards
    try:
        brief, _ = audition_brief(boards, board, body.scene, body.stage)
        planned = studio.compare.plan(brief, targets)
    except (StoryboardError, StageError) as exc:
        raise ApiError(409, str(exc)) from None
    except RequestError as exc:  # a model that cannot take the stage, named
        raise invalid(exc.errors) from None
    stop = budget_refusal(request, [p.request for p in planned])
    if stop is not None:
        return stop
    try:
        group_id = await send(boards, board.id, body.scene, body.stage, [
            ModelChoice(provider=t.provider, model=t.model) for t in targets])
    except StoryboardError as exc:
        raise ApiError(409, str(exc)) from None
    except RequestError as exc:
        raise invalid(exc.errors) from None
    group = studio.compare.get(group_id)
    jobs = [j for i in (group.latest_jobs() if group else []) if (j := studio.store.get_job(i))]
    on_sent = _register(request, body.webhook)
    if on_sent is not None:
        on_sent(jobs)
    data = _out(request, board.id, jobs)
    data["compare_group"] = group_id
    return reply(request, data, 202)


async def pick(request: Request) -> Response:
    """The audition's chosen job becomes the stage's take (and the scene's model)."""
    from studio.core.sequences.storyboard_audition import pick as take

    board = _board(request)
    body = await read_body(request, PickIn)
    try:
        take(_ctx(request).studio.storyboards, board.id, body.scene, body.stage, body.job)
    except StoryboardError as exc:
        raise ApiError(409, str(exc)) from None
    return reply(request, _out(request, board.id))


async def stitch(request: Request) -> Response:
    from studio.core.sequences.stitch import StitchError
    from studio.core.sequences.storyboard_stitch import final_shape, stitch_storyboard

    board = _board(request)
    boards = _ctx(request).studio.storyboards
    try:
        final = await asyncio.to_thread(stitch_storyboard, boards, board.id)
    except StoryboardError as exc:
        raise ApiError(409, str(exc)) from None
    except StitchError as exc:
        raise ApiError(422, f"the stitch failed: {exc}") from None
    return reply(request, StitchOut(storyboard_id=board.id, final=final_shape(final),
                                    asset_id=final["asset_id"], method=final["method"]))


STORYBOARD_OPERATIONS: list[Operation] = [
    Operation("POST", "/api/storyboards", create, "Create a storyboard from its JSON",
              StoryboardOut, CreateIn, status=201, errors=(400, 413, 422), tag="storyboards"),
    Operation("GET", "/api/storyboards", list_boards, "Storyboards, newest first",
              StoryboardList, tag="storyboards"),
    Operation("GET", "/api/storyboards/{storyboard_id}", show, "One storyboard: scenes, "
              "stages, attempts, the film", StoryboardOut, errors=(404,), tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/run", run, "Send every stage that is "
              "ready (dry-run unless enabled)", StoryboardOut, RunIn, status=202,
              errors=(402, 404, 422), tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/approve", approve, "Approve a "
              "stage's newest output", StoryboardOut, StageIn, errors=(404, 409, 422),
              tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/regenerate", regenerate, "Try a "
              "stage again (notes edit the prompt)", StoryboardOut, StageIn, status=202,
              errors=(402, 404, 409, 422), tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/audition", audition, "Try a stage "
              "on several models as one compare group (vote in the app, then pick)",
              StoryboardOut, AuditionIn, status=202, errors=(402, 404, 409, 422),
              tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/pick", pick, "The audition's job "
              "(or the newest vote's winner) becomes the stage's take", StoryboardOut,
              PickIn, errors=(404, 409, 422), tag="storyboards"),
    Operation("POST", "/api/storyboards/{storyboard_id}/stitch", stitch, "Join the approved "
              "clips into one film", StitchOut, errors=(404, 409, 422), tag="storyboards"),
]
