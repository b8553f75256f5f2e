"""Audition a scene's stage: fan it out to several models as a compare group (the Compare
view shows it, votes pick a winner), then the chosen cell becomes the stage's take: an
approved attempt, and the scene's model from then on."""

from __future__ import annotations

import time

from studio.core.compare.adapt import Brief, Target
from studio.core.jobs import JobStatus
from studio.core.sequences.storyboard_requests import with_notes
from studio.core.sequences.storyboard_spec import Attempt, ModelChoice
from studio.core.sequences.storyboards import Storyboard, StoryboardError, Storyboards


def audition_brief(boards: Storyboards, board: Storyboard, scene_number: int,
                   stage: str) -> tuple[Brief, str | None]:
    """The brief every model of the audition gets (and the clip's start frame)."""
    scene = board.scene(scene_number)
    notes = board.state(scene).stage(stage).notes
    if stage == "keyframe":
        if scene.keyframe.kind != "generate":
            raise StoryboardError(f"scene {scene_number}'s keyframe is given: there is "
                                  "nothing to audition")
        prompt = with_notes(scene.keyframe_prompt or scene.prompt, notes)
        return Brief(prompt=prompt, seed=scene.seed, aspect=board.spec.aspect,
                     input_images=list(board.spec.reference_images)), None
    keyframe = boards.keyframe_ref(board, scene)
    if keyframe is None:
        raise StoryboardError(f"scene {scene_number} has no approved keyframe yet: "
                              "approve one first")
    end = boards.required_end_frame(board, scene_number)
    # Models that take no end frame drop it (the Compare notes say so).
    return Brief(prompt=with_notes(scene.prompt, notes), seed=scene.seed,
                 aspect=board.spec.aspect, duration=scene.duration_seconds,
                 input_images=[keyframe, *([end] if end else [])]), keyframe


def targets_of(choices: list[ModelChoice]) -> list[Target]:
    return [Target(provider=c.provider, model=c.model, params=c.params) for c in choices]


async def audition(boards: Storyboards, board_id: str, scene_number: int, stage: str,
                   choices: list[ModelChoice]) -> str:
    """Send the stage to every model as one compare group; returns the group's id."""
    if len(choices) < 2:
        raise StoryboardError("an audition needs at least two models")
    board = boards.require(board_id)
    brief, _ = audition_brief(boards, board, scene_number, stage)
    group = await boards.host.compare.create(brief, targets_of(choices))
    with boards.editing(board.id) as board:
        state = board.state(board.scene(scene_number))
        stage_state = state.stage(stage)
        stage_state.audition_group = group.id
        stage_state.approved_job = None
        if stage == "keyframe":
            state.clip.approved_job = None
        board.final = None
    return group.id


def pick(boards: Storyboards, board_id: str, scene_number: int, stage: str,
         job_id: str | None = None) -> Storyboard:
    """The audition's chosen cell becomes the take: the job named, or the winner of the
    group's newest vote (cast in the Compare view or with `studio-cli vote`)."""
    board = boards.require(board_id)
    scene = board.scene(scene_number)
    group_id = board.state(scene).stage(stage).audition_group
    group = boards.host.compare.get(group_id) if group_id else None
    if group is None:
        raise StoryboardError(f"scene {scene_number}'s {stage} has no audition to pick from")
    if job_id is None:
        winners = [v.winner for v in boards.host.votes.for_group(group.id) if v.winner]
        if not winners:
            raise StoryboardError(f"no winner yet: vote in compare group {group.id} (the "
                                  "Compare view, or `studio-cli vote`), or name the job")
        job_id = winners[-1]
    cell = group.cell_of_job(job_id)
    job = boards.store.get_job(job_id)
    if cell is None or job is None:
        raise StoryboardError(f"job {job_id} is not in compare group {group.id}")
    if job.status is not JobStatus.SUCCEEDED or boards.output_of(job_id) is None:
        raise StoryboardError(f"job {job_id} has no output to take ({job.status.value})")
    _, keyframe = audition_brief(boards, board, scene_number, stage)
    end = boards.end_frame_ref(board, scene) if stage == "clip" else None
    chosen = ModelChoice(provider=cell.target.provider, model=cell.target.model,
                         params=cell.target.params)
    with boards.editing(board.id) as board:
        scene = board.scene(scene_number)
        state = board.state(scene).stage(stage)
        state.attempts.append(Attempt(job_id=job_id, prompt=job.prompt,
                                      notes=f"audition {group.id}, cell {cell.letter}",
                                      created_at=time.time(), keyframe_asset=keyframe,
                                      end_frame_asset=end))
        state.approved_job = job_id
        state.audition_group = None
        field = "image_model" if stage == "keyframe" else "video_model"
        scenes = [s.model_copy(update={field: chosen}) if s.id == scene.id else s
                  for s in board.spec.scenes]
        board.spec = board.spec.model_copy(update={"scenes": scenes})
        board.final = None
    return boards.require(board_id)
