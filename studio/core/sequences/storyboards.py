"""Storyboards: scenes made stage by stage (keyframe -> clip), each stage waiting for the
artist's Approve or Regenerate-with-notes unless auto-approve runs straight through.

Saved in the store (`storyboards`: the spec and the run state as JSON). Every job goes
through `Studio.submit` (dry-run unless the family is enabled and a key is present), each
pass of new jobs inside one spend-budget fan-out. A clip takes the approved keyframe as
its start frame (`asset:<id>`, so lineage records it). Regenerating a keyframe keeps the
history and makes the scene's clip run again from the new keyframe.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from studio.core.compare.groups import CompareGroups
from studio.core.compare.votes import Votes
from studio.core.events import StoreEvent
from studio.core.jobs import Asset, Job, JobStatus
from studio.core.local_assets import LocalHost
from studio.core.ports import Submissions, Tables
from studio.core.sequences.storyboard_requests import (
    KEYFRAME_PLACEHOLDER,
    StageError,
    StageRequest,
    clip_request,
    keyframe_request,
)
from studio.core.sequences.storyboard_spec import (
    STAGES,
    Attempt,
    SceneSpec,
    SceneState,
    StoryboardSpec,
    new_id,
)
from studio.providers.base import RenderRequest

FINAL_KEYS = ("path", "sha256", "duration_seconds", "width", "height")
FAILED = (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.UNKNOWN, JobStatus.REFUSED)


class StoryboardHost(Submissions, LocalHost, Protocol):
    """What storyboards take of the studio: the submissions port, waiting on a job, what
    making a local asset (the stitched film) takes, compare groups and their votes
    (auditions)."""

    async def wait(self, job_id: str) -> Job: ...

    @property
    def compare(self) -> CompareGroups: ...

    @property
    def votes(self) -> Votes: ...


class StoryboardError(ValueError):
    """An action the storyboard cannot take now (approve a stage with no output ...)."""


@dataclass
class Storyboard:
    id: str
    created_at: float
    updated_at: float
    spec: StoryboardSpec
    states: dict[str, SceneState] = field(default_factory=dict)
    final: dict[str, Any] | None = None

    def state(self, scene: SceneSpec) -> SceneState:
        return self.states.setdefault(scene.id, SceneState())

    def scene(self, number: int) -> SceneSpec:
        """Scene `number`, 1-based (as the CLI and the GUI count)."""
        if not 1 <= number <= len(self.spec.scenes):
            raise StoryboardError(f"storyboard {self.id} has scenes 1 to "
                                  f"{len(self.spec.scenes)}, not {number}")
        return self.spec.scenes[number - 1]


@dataclass(frozen=True)
class Planned:
    scene: int  # 1-based
    scene_id: str
    stage: str
    request: RenderRequest
    keyframe: str | None = None  # clips: the start frame
    notes: tuple[str, ...] = ()
    end_frame: str | None = None  # clips: the next scene's keyframe, when it ends on it


class Storyboards:
    def __init__(self, host: StoryboardHost) -> None:
        self.host = host
        self.store = host.store
        self._locks: dict[str, asyncio.Lock] = {}

    # -- saved storyboards --------------------------------------------------------------

    def create(self, spec: StoryboardSpec) -> Storyboard:
        board = Storyboard(new_id(), time.time(), time.time(), spec)
        with self.store.transaction() as db:
            db.execute("INSERT INTO storyboards VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (board.id, spec.title, board.created_at, board.updated_at,
                        self._spec_json(spec), "{}", None))
        self._publish(board.id)
        return board

    def get(self, board_id: str) -> Storyboard | None:
        rows = self.store.query("SELECT * FROM storyboards WHERE id=?", (board_id,))
        return _board(rows[0]) if rows else None

    def find(self, ref: str) -> Storyboard | None:
        """By full id or unique prefix."""
        if not ref:
            return None
        rows = self.store.query("SELECT id FROM storyboards WHERE id LIKE ? LIMIT 2",
                                (ref.replace("%", "").replace("_", "") + "%",))
        return self.get(rows[0]["id"]) if len(rows) == 1 else None

    def require(self, ref: str) -> Storyboard:
        board = self.find(ref)
        if board is None:
            raise StoryboardError(f"no storyboard {ref!r} (see `studio-cli storyboard list`)")
        return board

    def recent(self, limit: int = 500) -> list[Storyboard]:
        rows = self.store.query("SELECT * FROM storyboards ORDER BY updated_at DESC LIMIT ?",
                                (limit,))
        return [_board(r) for r in rows]

    def update_spec(self, board_id: str, spec: StoryboardSpec) -> Storyboard:
        """An edited spec (scenes changed, reordered, added or removed). Scenes keep their
        state by id; the state of a removed scene is dropped."""
        with self.editing(board_id) as board:
            board.spec = spec
            keep = {s.id for s in spec.scenes}
            board.states = {k: v for k, v in board.states.items() if k in keep}
            board.final = None
        return self._require_id(board_id)

    def duplicate(self, board_id: str) -> Storyboard:
        """A copy of the spec with fresh scene ids and no attempts."""
        spec = self._require_id(board_id).spec
        scenes = [s.model_copy(update={"id": new_id()}) for s in spec.scenes]
        copy = spec.model_copy(update={"title": f"{spec.title} (copy)"[:200], "scenes": scenes})
        return self.create(copy)

    def delete(self, board_id: str) -> bool:
        """The storyboard only: its jobs and outputs stay in the library."""
        with self.store.transaction() as db:
            gone = db.execute("DELETE FROM storyboards WHERE id=?", (board_id,)).rowcount
        if gone:
            self._publish(board_id)
        return bool(gone)

    def snapshot(self, board_id: str) -> dict[str, Any]:
        """The whole stored row (spec, run state, film): what `restore` puts back (undo)."""
        rows = self.store.query("SELECT * FROM storyboards WHERE id=?", (board_id,))
        if not rows:
            raise StoryboardError(f"no storyboard {board_id!r}")
        return dict(rows[0])

    def restore(self, row: dict[str, Any]) -> Storyboard:
        """Put a deleted storyboard back as it was (Undo delete)."""
        with self.store.transaction() as db:
            db.execute("INSERT OR REPLACE INTO storyboards VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (row["id"], row["title"], row["created_at"], row["updated_at"],
                        row["spec"], row["state"], row["final"]))
        self._publish(row["id"])
        return self._require_id(row["id"])

    def export_json(self, board_id: str) -> str:
        spec = self._require_id(board_id).spec
        return json.dumps(spec.model_dump(mode="json"), indent=2) + "\n"

    def set_auto_approve(self, board_id: str, on: bool) -> Storyboard:
        with self.editing(board_id) as board:
            board.spec = board.spec.model_copy(update={"auto_approve": on})
        return self._require_id(board_id)

    def set_final(self, board_id: str, final: dict[str, Any] | None) -> Storyboard:
        with self.editing(board_id) as board:
            board.final = final
        return self._require_id(board_id)

    # -- what each stage is at ----------------------------------------------------------

    def keyframe_ref(self, board: Storyboard, scene: SceneSpec) -> str | None:
        """The scene's keyframe once it is settled: given (an asset or a file) or the
        approved generated one, as an input reference; None until then."""
        source = scene.keyframe
        if source.kind == "asset" and source.ref:
            return source.ref if source.ref.startswith("asset:") else f"asset:{source.ref}"
        if source.kind == "file" and source.ref:
            return source.ref
        approved = board.state(scene).keyframe.approved_job
        asset = self._output(approved)
        return f"asset:{asset.id}" if asset is not None else None

    @staticmethod
    def next_scene(board: Storyboard, scene: SceneSpec) -> SceneSpec | None:
        """The scene whose keyframe `scene`'s clip ends on, when it asks to (and is not the
        last scene)."""
        if not scene.end_on_next_keyframe:
            return None
        ids = [s.id for s in board.spec.scenes]
        at = ids.index(scene.id) if scene.id in ids else len(ids)
        return board.spec.scenes[at + 1] if at + 1 < len(ids) else None

    def end_frame_ref(self, board: Storyboard, scene: SceneSpec) -> str | None:
        """The end frame of `scene`'s clip: the next scene's settled keyframe, when the
        scene ends on it; None otherwise (or while that keyframe is not settled)."""
        following = self.next_scene(board, scene)
        return self.keyframe_ref(board, following) if following is not None else None

    def required_end_frame(self, board: Storyboard, scene_number: int) -> str | None:
        """The end frame a clip of scene `scene_number` is sent with now (None: it ends
        where it likes); StoryboardError while the next keyframe it ends on is unsettled."""
        scene = board.scene(scene_number)
        end = self.end_frame_ref(board, scene)
        if end is None and self.next_scene(board, scene) is not None:
            raise StoryboardError(
                f"scene {scene_number}'s clip ends on scene {scene_number + 1}'s "
                "keyframe, which is not approved yet: approve it first (or turn off "
                "\"End on the next keyframe\")")
        return end

    def stage_status(self, board: Storyboard, scene: SceneSpec, stage: str) -> str:
        """given | waiting | pending | audition (a compare group waits for its pick) |
        running | review | approved | dry_run | failed | refused (by a spend budget) |
        stale (a clip made from an earlier keyframe, or toward an earlier end frame).
        A clip that ends on the next scene's keyframe is waiting until that is settled."""
        state = board.state(scene).stage(stage)
        if stage == "keyframe" and scene.keyframe.kind != "generate":
            return "given"
        if stage == "clip":
            keyframe = self.keyframe_ref(board, scene)
            end = self.end_frame_ref(board, scene)
            if keyframe is None or (end is None and self.next_scene(board, scene)):
                return "waiting"
            latest = state.latest
            if latest is not None and (latest.keyframe_asset, latest.end_frame_asset) != (
                    keyframe, end):
                return "stale"
        if state.audition_group:
            return "audition"
        latest = state.latest
        if latest is None:
            return "pending"
        if latest.job_id is None:
            return "failed"
        job = self.store.get_job(latest.job_id)
        if job is not None and job.status is JobStatus.REFUSED:
            return "refused"  # a spend budget said no: nothing was sent
        if job is None or job.status in FAILED:
            return "failed"
        if job.status is JobStatus.DRY_RUN:
            return "dry_run"
        if job.status is JobStatus.SUCCEEDED:
            return "approved" if state.approved_job == job.id else "review"
        return "running"

    def stage_output(self, board: Storyboard, scene: SceneSpec, stage: str) -> Asset | None:
        """The newest attempt's output (what Approve would approve)."""
        latest = board.state(scene).stage(stage).latest
        return self._output(latest.job_id if latest else None)

    def output_of(self, job_id: str | None) -> Asset | None:
        """A finished job's first output."""
        return self._output(job_id)

    def _output(self, job_id: str | None) -> Asset | None:
        if not job_id:
            return None
        job = self.store.get_job(job_id)
        if job is None or job.status is not JobStatus.SUCCEEDED:
            return None
        assets = self.store.assets_for_job(job_id)
        return assets[0] if assets else None

    # -- planning -----------------------------------------------------------------------

    def plan(self, board: Storyboard, *, auto_approve: bool = False) -> list[Planned]:
        """The jobs a pass would send now: keyframes not yet tried, clips whose keyframe
        is settled and that have no attempt from it (stale ones included)."""
        out: list[Planned] = []
        for number, scene in enumerate(board.spec.scenes, 1):
            state = board.state(scene)
            keyframe = self.keyframe_ref(board, scene)
            if keyframe is None and scene.keyframe.kind == "generate":
                status = self.stage_status(board, scene, "keyframe")
                if status == "pending":
                    out.append(self._planned(number, scene.id, "keyframe", keyframe_request(
                        self.host.providers, board.spec, scene, state.keyframe.notes)))
                elif status == "review" and auto_approve:
                    keyframe = self._approvable(board, scene, "keyframe")
            if keyframe is not None and self.stage_status(board, scene, "clip") in (
                    "pending", "stale"):
                end = self.end_frame_ref(board, scene)
                out.append(self._planned(number, scene.id, "clip", clip_request(
                    self.host.providers, board.spec, scene, keyframe, state.clip.notes,
                    end_frame=end), keyframe, end))
        return out

    def quote_requests(self, board: Storyboard) -> list[RenderRequest]:
        """Every request a whole run may still send (clips of keyframes not made yet with a
        placeholder start frame): what the spend check prices before `run`."""
        out = [p.request for p in self.plan(board)]
        planned = {(p.scene, p.stage) for p in self.plan(board)}
        for number, scene in enumerate(board.spec.scenes, 1):
            if (number, "clip") in planned:
                continue
            if self.stage_status(board, scene, "clip") in ("waiting",):
                start = self.keyframe_ref(board, scene) or KEYFRAME_PLACEHOLDER.format(n=number)
                following = self.next_scene(board, scene)
                end = None if following is None else (
                    self.keyframe_ref(board, following)
                    or KEYFRAME_PLACEHOLDER.format(n=number + 1))
                out.append(clip_request(self.host.providers, board.spec, scene, start,
                                        end_frame=end).request)
        return out

    def _approvable(self, board: Storyboard, scene: SceneSpec, stage: str) -> str | None:
        asset = self.stage_output(board, scene, stage)
        return f"asset:{asset.id}" if asset is not None else None

    @staticmethod
    def _planned(number: int, scene_id: str, stage: str, built: StageRequest,
                 keyframe: str | None = None, end_frame: str | None = None) -> Planned:
        return Planned(number, scene_id, stage, built.request, keyframe, built.notes,
                       end_frame)

    # -- running ------------------------------------------------------------------------

    async def advance(self, board_id: str, *, auto_approve: bool | None = None,
                      on_sent: Callable[[list[Job]], None] | None = None) -> list[Job]:
        """One pass: approve what auto-approve lets through, then send every stage that is
        ready (as one spend-budget fan-out). Returns the jobs sent."""
        async with self._lock(board_id):
            board = self._require_id(board_id)
            auto = board.spec.auto_approve if auto_approve is None else auto_approve
            if auto:
                self._auto_approve(board_id)
                board = self._require_id(board_id)
            try:
                planned = self.plan(board, auto_approve=auto)
            except StageError as exc:
                raise StoryboardError(str(exc)) from None
            if not planned:
                return []
            for p in planned:  # a missing file or a bad setting: nothing is sent
                self.host.check(p.request)
            jobs: list[Job] = []
            try:
                async with self.host.budget.fan_out([p.request for p in planned]):
                    for p in planned:
                        jobs.append(await self.host.submit(p.request))
            finally:  # what was sent is recorded, even when a later submit failed
                self._record(board_id, planned[:len(jobs)], jobs)
            if on_sent is not None:
                on_sent(jobs)
            return jobs

    def _record(self, board_id: str, planned: list[Planned], jobs: list[Job]) -> None:
        if not jobs:
            return
        with self.editing(board_id) as board:
            by_id = {s.id: s for s in board.spec.scenes}
            for p, job in zip(planned, jobs, strict=True):
                scene = by_id.get(p.scene_id)
                if scene is None:  # removed meanwhile: its job stays in the library
                    continue
                stage = board.state(scene).stage(p.stage)
                stage.attempts.append(Attempt(
                    job_id=job.id, prompt=p.request.prompt, notes=stage.notes,
                    created_at=time.time(), keyframe_asset=p.keyframe,
                    end_frame_asset=p.end_frame))
            board.final = None

    async def run(self, board_id: str, *, auto_approve: bool | None = None,
                  wait: bool = False, on_sent: Callable[[list[Job]], None] | None = None
                  ) -> Storyboard:
        """Send what is ready; with `wait`, keep going (waiting on live jobs, approving
        when auto-approve is on) until nothing more can move without the artist."""
        if auto_approve is not None:
            self.set_auto_approve(board_id, auto_approve)
        while True:
            sent = await self.advance(board_id, on_sent=on_sent)
            if not wait:
                break
            active = self.active_jobs(self._require_id(board_id))
            if not active:
                if sent:
                    continue  # dry-runs finish at once: see whether more can move
                break
            await asyncio.gather(*(self.host.wait(j) for j in active))
            if self.active_jobs(self._require_id(board_id)) == active:
                break  # driven by another process: nothing moved here
        return self._require_id(board_id)

    def active_jobs(self, board: Storyboard) -> list[str]:
        out = []
        for scene in board.spec.scenes:
            for stage in STAGES:
                latest = board.state(scene).stage(stage).latest
                job = self.store.get_job(latest.job_id) if latest and latest.job_id else None
                if job is not None and not job.status.terminal:
                    out.append(job.id)
        return out

    def _auto_approve(self, board_id: str) -> None:
        board = self._require_id(board_id)
        for number, scene in enumerate(board.spec.scenes, 1):
            for stage in STAGES:
                if self.stage_status(board, scene, stage) == "review":
                    self.approve(board_id, number, stage)
                    board = self._require_id(board_id)

    def approve(self, board_id: str, scene_number: int, stage: str) -> Storyboard:
        """Approve the newest attempt of a stage (it must have finished with an output)."""
        with self.editing(board_id) as board:
            scene = board.scene(scene_number)
            status = self.stage_status(board, scene, stage)
            if status == "given":
                raise StoryboardError(f"scene {scene_number}'s keyframe is given (an image "
                                      "you chose): there is nothing to approve")
            if status not in ("review", "approved"):
                raise StoryboardError(f"scene {scene_number}'s {stage} is {status}: only a "
                                      "finished stage with an output can be approved")
            state = board.state(scene).stage(stage)
            latest = state.latest
            state.approved_job = latest.job_id if latest else None
            board.final = None
        return self._require_id(board_id)

    async def regenerate(self, board_id: str, scene_number: int, stage: str,
                         notes: str | None = None) -> Job:
        """A new attempt at a stage; notes (when given) edit the prompt from now on. The
        attempts before it stay in the history; a new keyframe makes the clip run again."""
        async with self._lock(board_id):
            board = self._require_id(board_id)
            built, (keyframe, end), use_notes = self._again(board, scene_number, stage, notes)
            scene_id = board.scene(scene_number).id
            stage_state = board.state(board.scene(scene_number)).stage(stage)
            self.host.check(built.request)  # a missing file: nothing is sent
            previous = stage_state.latest.job_id if stage_state.latest else None
            async with self.host.budget.fan_out([built.request]):
                job = await self.host.submit(built.request, retried_from=previous)
            with self.editing(board_id) as board:
                found = [sc for sc in board.spec.scenes if sc.id == scene_id]
                if not found:  # removed meanwhile: its job stays in the library
                    return job
                state = board.state(found[0])
                stage_state = state.stage(stage)
                stage_state.notes = use_notes
                stage_state.approved_job = None
                stage_state.audition_group = None  # a new attempt replaces the audition
                if stage == "keyframe":
                    state.clip.approved_job = None  # its clip runs again from the new one
                stage_state.attempts.append(Attempt(
                    job_id=job.id, prompt=built.request.prompt, notes=use_notes,
                    created_at=time.time(), keyframe_asset=keyframe, end_frame_asset=end))
                board.final = None
            return job

    def stage_request(self, board_id: str, scene_number: int, stage: str,
                      notes: str | None = None) -> RenderRequest:
        """What `regenerate` would send (for the spend check before it)."""
        return self._again(self._require_id(board_id), scene_number, stage, notes)[0].request

    def _again(self, board: Storyboard, scene_number: int, stage: str, notes: str | None
               ) -> tuple[StageRequest, tuple[str | None, str | None], str]:
        """The stage's request, (the clip's start and end frames), the notes it uses."""
        scene = board.scene(scene_number)
        stage_state = board.state(scene).stage(stage)
        use_notes = stage_state.notes if notes is None else notes.strip()
        try:
            if stage == "keyframe":
                if scene.keyframe.kind != "generate":
                    raise StoryboardError(
                        f"scene {scene_number}'s keyframe is given (an image you chose); "
                        "set it to be generated to regenerate it")
                return keyframe_request(self.host.providers, board.spec, scene,
                                        use_notes), (None, None), use_notes
            keyframe = self.keyframe_ref(board, scene)
            if keyframe is None:
                raise StoryboardError(f"scene {scene_number} has no approved keyframe "
                                      "yet: approve one first")
            end = self.required_end_frame(board, scene_number)
            return clip_request(self.host.providers, board.spec, scene, keyframe,
                                use_notes, end_frame=end), (keyframe, end), use_notes
        except StageError as exc:
            raise StoryboardError(str(exc)) from None

    # -- JSON ---------------------------------------------------------------------------

    def board_dict(self, board: Storyboard) -> dict[str, Any]:
        scenes = []
        for number, scene in enumerate(board.spec.scenes, 1):
            state = board.state(scene)
            stages = {}
            for stage in STAGES:
                st = state.stage(stage)
                output = self.stage_output(board, scene, stage)
                if stage == "keyframe" and scene.keyframe.kind == "asset" and scene.keyframe.ref:
                    # a given keyframe shows as the stage's output
                    output = self.store.get_asset(scene.keyframe.ref.removeprefix("asset:"))
                stages[stage] = {
                    "status": self.stage_status(board, scene, stage),
                    "approved_job": st.approved_job, "notes": st.notes,
                    "audition_group": st.audition_group,
                    "output": _asset_dict(output),
                    "attempts": [self._attempt_dict(a) for a in st.attempts]}
            scenes.append({"index": number, "id": scene.id, "prompt": scene.prompt,
                           "duration_seconds": scene.duration_seconds,
                           "image_model": board.spec.image_model_of(scene).label,
                           "video_model": board.spec.video_model_of(scene).label,
                           "keyframe_source": scene.keyframe.model_dump(mode="json"),
                           "transition": scene.transition.model_dump(mode="json"),
                           "end_on_next_keyframe": self.next_scene(board, scene) is not None,
                           "stages": stages})
        _add_quality(self.store, scenes)
        return {"storyboard_id": board.id, "title": board.spec.title,
                "created_at": board.created_at, "updated_at": board.updated_at,
                "auto_approve": board.spec.auto_approve, "status": self.status(board),
                "reference_images": board.spec.reference_images,
                "scenes": scenes,
                "final": {k: board.final.get(k) for k in FINAL_KEYS} if board.final else None,
                "final_asset_id": board.final.get("asset_id") if board.final else None,
                "spec": board.spec.model_dump(mode="json")}

    def status(self, board: Storyboard) -> str:
        """draft | running | review | ready (every clip approved) | stitched | failed."""
        clips = [self.stage_status(board, s, "clip") for s in board.spec.scenes]
        keys = [self.stage_status(board, s, "keyframe") for s in board.spec.scenes]
        every = clips + keys
        if board.final and all(c == "approved" for c in clips):
            return "stitched"
        if all(c == "approved" for c in clips):
            return "ready"
        if "running" in every:
            return "running"
        if "failed" in every or "refused" in every:
            return "failed"
        if "review" in every:
            return "review"
        if "dry_run" in every:
            return "dry_run"
        return "draft"

    def _attempt_dict(self, attempt: Attempt) -> dict[str, Any]:
        job = self.store.get_job(attempt.job_id) if attempt.job_id else None
        return {"job_id": attempt.job_id, "status": job.status.value if job else "failed",
                "prompt": attempt.prompt, "notes": attempt.notes,
                "created_at": attempt.created_at, "keyframe": attempt.keyframe_asset,
                "end_frame": attempt.end_frame_asset,
                "error": attempt.error or (job.error if job else None),
                "output": _asset_dict(self._output(attempt.job_id))}

    # -- helpers ------------------------------------------------------------------------

    def _lock(self, board_id: str) -> asyncio.Lock:
        return self._locks.setdefault(board_id, asyncio.Lock())

    def _require_id(self, board_id: str) -> Storyboard:
        board = self.get(board_id)
        if board is None:
            raise StoryboardError(f"no storyboard {board_id!r}")
        return board

    @contextmanager
    def editing(self, board_id: str) -> Iterator[Storyboard]:
        """Read, change and write one storyboard in one transaction."""
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM storyboards WHERE id=?", (board_id,)).fetchone()
            if row is None:
                raise StoryboardError(f"no storyboard {board_id!r}")
            board = _board(row)
            yield board
            board.updated_at = time.time()
            db.execute("UPDATE storyboards SET title=?, updated_at=?, spec=?, state=?, final=? "
                       "WHERE id=?", (
                           board.spec.title, board.updated_at, self._spec_json(board.spec),
                           json.dumps({k: v.model_dump(mode="json")
                                       for k, v in board.states.items()}),
                           json.dumps(board.final) if board.final is not None else None,
                           board_id))
        self._publish(board_id)

    def _spec_json(self, spec: StoryboardSpec) -> str:
        return json.dumps(self.host.redactor.value(spec.model_dump(mode="json")))

    def _publish(self, board_id: str) -> None:
        self.store.publish(StoreEvent.storyboard_changed(board_id))


def _board(row: Any) -> Storyboard:  # a sqlite3.Row
    states = {k: SceneState.model_validate(v) for k, v in json.loads(row["state"]).items()}
    final = json.loads(row["final"]) if row["final"] else None
    return Storyboard(row["id"], row["created_at"], row["updated_at"],
                      StoryboardSpec.model_validate(json.loads(row["spec"])), states, final)


def _add_quality(tables: Tables, scenes: list[dict[str, Any]]) -> None:
    """Each stage take's quality score (0-100; None while not measured or not measurable),
    read in one query."""
    from studio.core.quality_store import QualityStore

    takes = [st for s in scenes for st in s["stages"].values()]
    ids = [st["output"]["asset_id"] for st in takes if st["output"]]
    scores = QualityStore(tables).scores(ids) if ids else {}
    for st in takes:
        st["quality_score"] = scores.get(st["output"]["asset_id"]) if st["output"] else None


def _asset_dict(asset: Asset | None) -> dict[str, Any] | None:
    if asset is None:
        return None
    return {"asset_id": asset.id, "path": asset.path, "sha256": asset.sha256,
            "media_type": asset.media_type, "width": asset.width, "height": asset.height,
            "duration_seconds": asset.duration_seconds}
