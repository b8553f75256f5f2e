"""The sandbox data the screenshots show: live jobs of every kind, a compare group, a
fan-out from Compose, a board and something in the trash."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request


def faults(sandbox_url: str, spec: dict | None) -> None:
    """Set (or with None clear) the sandbox's fault switches through its admin route."""
    data = None if spec is None else json.dumps(spec).encode()
    request = urllib.request.Request(f"{sandbox_url}/_sandbox/faults", data=data,
                                     method="DELETE" if spec is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


async def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for the sandbox jobs")
        await asyncio.sleep(0.05)


async def make_jobs(studio, sandbox_url: str) -> dict[str, str]:
    from studio.core.jobs import JobStatus
    from studio.providers.base import RenderRequest

    def req(model: str, prompt: str, **params) -> RenderRequest:
        return RenderRequest(provider="fal", model=model, prompt=prompt, seed=1234,
                             params=params)

    live = [
        req("fal-ai/flux/dev", "a lighthouse on a cliff at dusk, oil painting"),
        req("fal-ai/flux/schnell", "a red fox curled up in fresh snow", num_images=2),
        req("fal-ai/flux-pro/v1.1", "isometric cozy reading nook, soft light"),
        req("fal-ai/flux/dev", "a paper boat on a rainy street, macro photo",
            image_size="portrait_4_3"),
        req("fal-ai/wan-t2v", "waves rolling onto a black sand beach", resolution="480p"),
    ]
    done = [(await studio.submit(r)).id for r in live]
    await wait_for(lambda: all(studio.job(i).status.terminal for i in done),
                   timeout=60)
    faults(sandbox_url, {"fail_next": {"count": 1, "message": "GPU out of memory"}})
    failed = await studio.submit(req("fal-ai/flux/schnell", "a glass city under the sea"))
    await wait_for(lambda: studio.job(failed.id).status.terminal)
    faults(sandbox_url, None)
    dry = await studio.submit(req("fal-ai/fast-sdxl", "a bonsai tree in a teacup"),
                              force_dry_run="preview only (screenshot)")
    faults(sandbox_url, {"run_seconds": 600})
    cancelled = await studio.submit(req("fal-ai/flux/dev", "a snowy mountain village"))
    await wait_for(lambda: studio.job(cancelled.id).status == JobStatus.RUNNING)
    await studio.cancel(cancelled.id)
    running = await studio.submit(req("fal-ai/flux-pro/v1.1-ultra",
                                      "an astronaut tending a greenhouse on mars"))
    await wait_for(lambda: studio.job(running.id).status == JobStatus.RUNNING)
    studio.store.update_job(running.id, progress=0.42)
    faults(sandbox_url, None)
    return {"failed": failed.id, "dry": dry.id, "running": running.id, "first": done[0]}


async def make_group(studio, prompt: str, targets: list[str], **brief) -> str:
    """A compare group whose jobs have all ended."""
    from studio.core.compare.adapt import Brief, Target

    group = await studio.compare.create(Brief(prompt=prompt, **brief),
                                        [Target.parse(t) for t in targets])
    await wait_for(lambda: all(studio.job(c.job_id).status.terminal
                               for c in group.cells), timeout=60)
    return group.id


def make_library(studio) -> str:
    """A board with two outputs and one output in the trash; returns the board's id."""
    library = studio.library
    ids = studio.asset_ids()
    board = library.create_board("Lighthouses")
    library.add_to_board(board.id, ids[:2])
    library.trash(ids[-1:])
    return board.id
