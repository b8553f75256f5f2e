"""A storyboard's approved clips, in scene order, stitched into one film (an asset whose
provenance lists every segment), with each scene's transition into the next. Blocking:
run it off the event loop (a thread) with a progress callback and a cancel event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from studio.core.sequences.final_asset import Clip, stitch_assets
from studio.core.sequences.stitch import Transition
from studio.core.sequences.storyboards import FINAL_KEYS, StoryboardError, Storyboards


def clips_of(boards: Storyboards, board_id: str) -> list[Clip]:
    """Every scene's approved clip with its transition; StoryboardError naming the scenes
    that are not ready."""
    board = boards.require(board_id)
    clips: list[Clip] = []
    missing: list[str] = []
    last = len(board.spec.scenes)
    for number, scene in enumerate(board.spec.scenes, 1):
        status = boards.stage_status(board, scene, "clip")
        approved = board.state(scene).clip.approved_job
        asset = boards.output_of(approved) if status == "approved" else None
        if asset is None:
            missing.append(f"scene {number} ({status})")
            continue
        t = scene.transition
        after = Transition(t.kind, t.seconds) if number < last and t.kind == "crossfade" \
            else Transition()
        clips.append(Clip(asset.id, after))
    if missing:
        raise StoryboardError("every scene needs an approved clip before stitching; not yet: "
                              + ", ".join(missing))
    return clips


def stitch_storyboard(boards: Storyboards, board_id: str, *,
                      progress: Callable[[float], None] | None = None,
                      cancel: threading.Event | None = None) -> dict[str, Any]:
    """Stitch and remember the film on the storyboard. Returns its `final` record
    (path, sha256, duration_seconds, width, height, asset_id, method)."""
    board = boards.require(board_id)
    clips = clips_of(boards, board.id)
    asset, result = stitch_assets(boards.host, clips, title=board.spec.title,
                                  progress=progress, cancel=cancel,
                                  extra={"storyboard_id": board.id})
    final = {"path": asset.path, "sha256": asset.sha256,
             "duration_seconds": result.duration_seconds, "width": result.width,
             "height": result.height, "asset_id": asset.id, "method": result.method}
    boards.set_final(board.id, final)
    return final


def final_shape(final: dict[str, Any] | None) -> dict[str, Any] | None:
    """The contract's `final`: {"path", "sha256", "duration_seconds", "width", "height"}."""
    return {k: final.get(k) for k in FINAL_KEYS} if final else None
