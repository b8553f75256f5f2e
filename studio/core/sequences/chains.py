"""Video chains (the Scene Maker flow): one image, N image-to-video links, one film.

Link 1 animates the start image; link k+1 starts from the last frame of link k, taken
exactly (core/frames.py) and saved as an image asset whose parent is link k's video, so
the next job's lineage names it as its start frame. Every link is an ordinary job on the
studio's path (check, policy, budgets, dry-run, runner), so a chain is a dry-run unless the
provider's family is enabled and a key is present; a dry-run chain records each link's
request, with a placeholder image (said so) for the frames it cannot know yet.

State lives in the store (chain_store.py), so a chain resumes after a restart: finished
links are kept, a link whose job is still out is followed to its end, the rest are sent.
Cancel stops the running link (its job is cancelled) and keeps the finished ones;
regenerate sends one link again and marks the links after it stale. When every link has
succeeded the clips are stitched (stitch.py) into a film asset (final_asset.py).
Progress goes out as `chain_changed` store events ("Generating link 2/3").
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from studio.core.events import StoreEvent
from studio.core.inputs import ASSET_PREFIX, is_url
from studio.core.jobs import Asset, Job, JobBusy, JobStatus
from studio.core.local_assets import LocalHost
from studio.core.sequences.chain_store import (
    Chain,
    ChainRecords,
    ChainSpec,
    ChainStatus,
    Link,
    LinkStatus,
)
from studio.core.sequences.final_asset import Clip, stitch_assets
from studio.core.sequences.stitch import StitchCancelled, StitchError
from studio.providers.base import Provider, RenderRequest
from studio.providers.modes import Mode, Role

MAX_LINKS = 50
_LINKS_SHARE = 0.9  # of the chain's progress; stitching is the rest


class ChainError(ValueError):
    """The chain cannot be made or run as asked (bad spec, unknown chain or link)."""


class ChainHost(LocalHost, Protocol):
    """What a chain takes from the Studio: the job path and the frame and import helpers."""

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    async def submit(self, request: RenderRequest, *, retried_from: str | None = None,
                     force_dry_run: str | None = None) -> Job: ...

    async def wait(self, job_id: str) -> Job: ...

    async def cancel(self, job_id: str) -> Job: ...

    async def drive(self, job_id: str) -> bool: ...

    async def save_frame(self, video_ref: str, at: float | None = None) -> Asset: ...

    def import_image(self, path: str | Path) -> Asset: ...

    def input_ref(self, text: str) -> str: ...

    def job_assets(self, job_id: str) -> list[Asset]: ...


JobHook = Callable[[int, str], None]  # (link index, job id) of each link job sent


@dataclass
class _Run:
    """A chain being run by this process."""

    on_job: JobHook | None = None
    cancelled: bool = False
    job_id: str | None = None
    stitch_cancel: threading.Event = field(default_factory=threading.Event)


class Chains:
    def __init__(self, host: ChainHost) -> None:
        self.host = host
        self.store = host.store
        self.records = ChainRecords(host.store)
        self._runs: dict[str, _Run] = {}
        self._tasks: set[asyncio.Task[Chain]] = set()

    # -- making ------------------------------------------------------------------------

    def create(self, provider: str, model: str, image: str, prompts: list[str], *,
               links: int | None = None, params: dict[str, object] | None = None,
               seed: int | None = None, negative_prompt: str | None = None,
               end_images: list[str | None] | None = None) -> Chain:
        """A new chain (not run yet). One prompt per link, or one prompt and `links`."""
        prompts = self.check(provider, model, prompts, links=links, end_images=end_images)
        ends = list(end_images or [])
        redact = self.host.redactor  # stored like a job's request: never a secret
        spec = ChainSpec(provider, model, self._start_ref(image),
                         tuple(redact.text(p) for p in prompts),
                         dict(redact.value(dict(params or {}))), seed,
                         redact.text(negative_prompt) if negative_prompt else None,
                         tuple(self._start_ref(e) if e else None for e in ends))
        return self.records.create(spec)

    def check(self, provider: str, model: str, prompts: list[str], *,
              links: int | None = None, end_images: list[str | None] | None = None
              ) -> list[str]:
        """The prompts, one per link; ChainError when the chain cannot be made (nothing is
        written)."""
        prompts = [p for p in prompts if p is not None]
        if not prompts or not all(p.strip() for p in prompts):
            raise ChainError("give at least one prompt (and no empty ones)")
        if links is not None:
            if links < 1:
                raise ChainError("--links must be 1 or more")
            if len(prompts) == 1:
                prompts = prompts * links
            elif len(prompts) != links:
                raise ChainError(f"{len(prompts)} prompts for {links} links: give one prompt "
                                 "per link, or one prompt to repeat")
        if len(prompts) > MAX_LINKS:
            raise ChainError(f"a chain has at most {MAX_LINKS} links")
        found = self.host.providers.get(provider)
        model_info = found.models.get(model) if found is not None else None
        if found is None or model_info is None:
            raise ChainError(f"unknown model {provider}:{model}")
        if Mode.IMG2VIDEO not in model_info.modes:
            raise ChainError(f"{provider}:{model} is not an image-to-video model")
        ends = list(end_images or [])
        if any(ends):
            if model_info.role_limits(Mode.IMG2VIDEO).get(Role.END_FRAME, 0) < 1:
                raise ChainError(f"{provider}:{model} takes no end frame")
            if len(ends) > len(prompts):
                raise ChainError("more end frames than links")
        return prompts

    def _start_ref(self, text: str) -> str:
        """An asset, a URL as given, or a file imported as an asset (so lineage has it)."""
        ref = self.host.input_ref(text)
        if ref.startswith(ASSET_PREFIX):
            if self.store.get_asset(ref.removeprefix(ASSET_PREFIX)) is None:
                raise ChainError(f"no asset {ref.removeprefix(ASSET_PREFIX)}")
            return ref
        if is_url(ref):
            if not ref.startswith("https://"):
                raise ChainError("an image URL must be https://")
            return ref
        path = Path(ref).expanduser()
        if not path.is_file():
            raise ChainError(f"{text}: not an asset id, an https URL or an image file")
        return f"{ASSET_PREFIX}{self.host.import_image(path).id}"

    # -- reading -----------------------------------------------------------------------

    def get(self, chain_id: str) -> Chain:
        chain = self.records.get(chain_id)
        if chain is None:
            raise ChainError(f"no chain {chain_id}")
        return chain

    def recent(self, limit: int = 100) -> list[Chain]:
        return self.records.recent(limit)

    def running(self, chain_id: str) -> bool:
        return chain_id in self._runs

    async def aclose(self) -> None:
        """Stop the background runs (the app is closing): each chain stays `running`
        with its link job out, and resumes later."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    # -- running -----------------------------------------------------------------------

    def start(self, chain_id: str, *, on_job: JobHook | None = None) -> asyncio.Task[Chain]:
        """`run` in the background (the API); the task is kept until it ends."""
        self.get(chain_id)
        if chain_id in self._runs:
            raise ChainError(f"chain {chain_id} is already running here")
        task = asyncio.create_task(self.run(chain_id, on_job=on_job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def run(self, chain_id: str, *, until: int | None = None,
                  on_job: JobHook | None = None) -> Chain:
        """Make every link not made yet (up to link `until`), in order, then stitch. Safe
        to call again after a cancel, a failure or a restart: it picks up where it was.
        `on_job` hears of each link job sent (an API webhook registers it)."""
        chain = self.get(chain_id)
        if chain_id in self._runs:
            raise ChainError(f"chain {chain_id} is already running here")
        run = self._runs[chain_id] = _Run(on_job)
        try:
            return await self._run(chain, run, until)
        finally:
            self._runs.pop(chain_id, None)

    async def cancel(self, chain_id: str) -> Chain:
        """Stop the running link (its job is cancelled); finished links are kept."""
        chain = self.get(chain_id)
        run = self._runs.get(chain_id)
        if run is not None:
            run.cancelled = True
            run.stitch_cancel.set()
            if run.job_id:
                await self.host.cancel(run.job_id)
            return chain
        # Not run here (another session left it): cancel its link's job and the chain.
        for link in chain.links:
            if link.status is LinkStatus.RUNNING:
                if link.job_id:
                    job = await self.host.cancel(link.job_id)
                    if job.status is JobStatus.SUCCEEDED:
                        continue
                link.status, link.error = LinkStatus.CANCELLED, "cancelled"
                self.records.save_link(link)
        if chain.status in (ChainStatus.RUNNING, ChainStatus.PENDING):
            chain.status = ChainStatus.CANCELLED
            self.records.save_chain(chain)
            self._event(chain, "Cancelled")
        return self.get(chain_id)

    def regenerate(self, chain_id: str, index: int) -> Chain:
        """Mark link `index` to be made again and every later link stale (run the chain,
        or `run(until=index)`, to make them)."""
        if chain_id in self._runs:
            raise ChainError(f"chain {chain_id} is running; cancel it first")
        chain = self.get(chain_id)
        link = chain.link(index)
        link.status, link.job_id, link.error = LinkStatus.PENDING, None, None
        link.output_asset_id = None
        self.records.save_link(link)
        for later in chain.links[index:]:
            if later.status is not LinkStatus.PENDING:
                later.status = LinkStatus.STALE
                later.job_id = None
                self.records.save_link(later)
        chain.status, chain.final_asset_id, chain.error = ChainStatus.STALE, None, None
        self.records.save_chain(chain)
        self._event(chain, f"Link {index} will be made again; links after it are stale")
        return self.get(chain_id)

    async def _run(self, chain: Chain, run: _Run, until: int | None) -> Chain:
        total = len(chain.links)
        if chain.status is ChainStatus.SUCCEEDED and chain.final_asset_id:
            return chain  # nothing is missing
        if chain.status is ChainStatus.DRY_RUN:  # a dry-run again (a flag may be on now)
            for link in chain.links:
                link.status, link.job_id, link.output_asset_id = LinkStatus.PENDING, None, None
                self.records.save_link(link)
        chain.status, chain.error = ChainStatus.RUNNING, None
        self.records.save_chain(chain)
        dry_reason: str | None = None
        previous: Link | None = None
        last = min(until or total, total)
        for link in chain.links[:last]:
            if run.cancelled:
                break
            if link.status is LinkStatus.SUCCEEDED and link.output_asset_id:
                previous = link
                continue
            self._event(chain, f"Generating link {link.index}/{total}",
                        (link.index - 1) / total * _LINKS_SHARE)
            try:
                job = await self._make_link(chain, link, previous, run, dry_reason)
            except (ChainError, ValueError, KeyError, OSError, JobBusy) as exc:
                link.status, link.error = LinkStatus.FAILED, str(exc)
                self.records.save_link(link)
                return self._end(chain, ChainStatus.FAILED, f"link {link.index}: {exc}")
            if job.dry_run:
                dry_reason = dry_reason or f"the chain is a dry-run ({job.dry_run_reason})"
                link.status = LinkStatus.DRY_RUN
                self.records.save_link(link)
                previous = link
                continue
            if job.status.active and not run.cancelled:
                # Nobody here drives the job any more (the app is closing): the chain
                # stays running with its link out, for a later resume.
                return self.get(chain.id)
            if not self._take_output(link, job, run):
                self.records.save_link(link)
                if link.status is LinkStatus.CANCELLED:
                    return self._end(chain, ChainStatus.CANCELLED, None)
                return self._end(chain, ChainStatus.FAILED,
                                 f"link {link.index} {job.status.value}: {link.error}")
            self.records.save_link(link)
            previous = link
            self._event(chain, f"Link {link.index}/{total} done",
                        link.index / total * _LINKS_SHARE, job.id)
        if run.cancelled:
            return self._end(chain, ChainStatus.CANCELLED, None)
        if dry_reason is not None:
            return self._end(chain, ChainStatus.DRY_RUN, None)
        if any(lk.status is not LinkStatus.SUCCEEDED for lk in chain.links):
            return self._end(chain, ChainStatus.STALE, None)  # stopped at `until`
        return await self._stitch(chain, run)

    async def _make_link(self, chain: Chain, link: Link, previous: Link | None, run: _Run,
                         dry_reason: str | None) -> Job:
        spec = chain.spec
        # A link left running (a restart) follows its job; any other is sent (again).
        job = self.store.get_job(link.job_id) \
            if link.job_id and link.status is LinkStatus.RUNNING else None
        if job is None:
            await self._set_input(chain, link, previous, dry_reason)
            images = [link.input_ref or ""]
            end = spec.end_image(link.index)
            if end:
                images.append(end)
            request = RenderRequest(provider=spec.provider, model=spec.model,
                                    mode=Mode.IMG2VIDEO, prompt=link.prompt,
                                    negative_prompt=spec.negative_prompt, seed=spec.seed,
                                    params=spec.params, input_images=images)
            job = await self.host.submit(request, force_dry_run=dry_reason)
            link.job_id = job.id
            link.attempts.append(job.id)
            link.status = LinkStatus.RUNNING
            link.error = None
            self.records.save_link(link)
            if run.on_job is not None:
                run.on_job(link.index, job.id)
        elif job.status.active:  # left out by an earlier session: follow it from here
            await self.host.drive(job.id)
        if job.dry_run or job.status is JobStatus.REFUSED:
            return job
        run.job_id = job.id
        unsubscribe = self.store.subscribe(self._forwarder(chain, link, job.id))
        try:
            return await self.host.wait(job.id)
        finally:
            unsubscribe()
            run.job_id = None

    async def _set_input(self, chain: Chain, link: Link, previous: Link | None,
                         dry_reason: str | None) -> None:
        link.placeholder = False
        if previous is None:
            ref = chain.spec.start_image
        elif previous.output_asset_id:
            frame = self._frame_of(link, previous.output_asset_id) or \
                await self.host.save_frame(f"{ASSET_PREFIX}{previous.output_asset_id}")
            ref = f"{ASSET_PREFIX}{frame.id}"
        elif dry_reason is not None:
            ref = str(self._placeholder(chain, link.index - 1))
            link.placeholder = True
        else:
            raise ChainError(f"link {link.index - 1} has no video to continue from")
        link.input_ref = ref
        asset = self.store.get_asset(ref.removeprefix(ASSET_PREFIX)) \
            if ref.startswith(ASSET_PREFIX) else None
        link.input_asset_id = asset.id if asset else None
        link.input_path = asset.path if asset else ref
        link.input_sha256 = asset.sha256 if asset else _sha256_of(ref)

    def _frame_of(self, link: Link, video_id: str) -> Asset | None:
        """The exact last frame of the video (the one already taken for this link when it
        came from the same video, else a new frame asset)."""
        if link.input_asset_id:
            known = self.store.get_asset(link.input_asset_id)
            parents = self.host.lineage_records.parents(known.job_id) if known else []
            if known is not None and [p.asset_id for p in parents] == [video_id]:
                return known
        return None

    def _placeholder(self, chain: Chain, before: int) -> Path:
        """A dry-run's stand-in for the last frame of link `before` (not known yet)."""
        from PIL import Image, ImageDraw

        path = self.host.paths.data_dir / "chains" / chain.id / \
            f"placeholder-last-frame-of-link-{before}.png"
        if not path.is_file():
            size = (512, 288)
            start = chain.spec.start_image
            asset = self.store.get_asset(start.removeprefix(ASSET_PREFIX)) \
                if start.startswith(ASSET_PREFIX) else None
            if asset is not None and asset.width and asset.height:
                size = (asset.width, asset.height)
            image = Image.new("RGB", size, (96, 96, 96))
            ImageDraw.Draw(image).text((8, 8), f"placeholder: last frame of link {before}",
                                       fill=(255, 255, 255))
            buffer = io.BytesIO()
            image.save(buffer, "PNG")
            from studio.core.atomic import write_atomic

            write_atomic(path, buffer.getvalue())
        return path

    def _take_output(self, link: Link, job: Job, run: _Run) -> bool:
        if job.status is JobStatus.SUCCEEDED:
            videos = [a for a in self.host.job_assets(job.id)
                      if a.media_type.startswith("video/")]
            if videos:
                link.status, link.output_asset_id, link.error = \
                    LinkStatus.SUCCEEDED, videos[0].id, None
                return True
            link.status, link.error = LinkStatus.FAILED, "the job made no video"
            return False
        if job.status is JobStatus.CANCELLED or run.cancelled:
            link.status, link.error = LinkStatus.CANCELLED, "cancelled"
            return False
        link.status = LinkStatus.FAILED
        link.error = job.error or job.message or job.status.value
        return False

    async def _stitch(self, chain: Chain, run: _Run) -> Chain:
        total = len(chain.links)
        self._event(chain, f"Stitching {total} clip{'s' if total != 1 else ''}", _LINKS_SHARE)
        loop = asyncio.get_running_loop()

        def progress(value: float) -> None:
            loop.call_soon_threadsafe(self._event, chain, "Stitching",
                                      _LINKS_SHARE + (1 - _LINKS_SHARE) * value)

        clips = [Clip(lk.output_asset_id or "") for lk in chain.links]
        try:
            film, _ = await asyncio.to_thread(
                stitch_assets, self.host, clips, title=chain.links[0].prompt,
                progress=progress, cancel=run.stitch_cancel,
                extra={"chain_id": chain.id,
                       "links": [{"index": lk.index, "job_id": lk.job_id}
                                 for lk in chain.links]})
        except StitchCancelled:
            return self._end(chain, ChainStatus.CANCELLED, None)
        except (StitchError, OSError) as exc:
            return self._end(chain, ChainStatus.FAILED, f"stitching failed: {exc}")
        chain.final_asset_id = film.id
        return self._end(chain, ChainStatus.SUCCEEDED, None)

    def _end(self, chain: Chain, status: ChainStatus, error: str | None) -> Chain:
        chain.status, chain.error = status, error
        self.records.save_chain(chain)
        words = {ChainStatus.SUCCEEDED: "Done", ChainStatus.DRY_RUN: "Dry-run recorded",
                 ChainStatus.CANCELLED: "Cancelled", ChainStatus.STALE: "Stopped"}
        self._event(chain, words.get(status, f"Failed: {error}"),
                    1.0 if status is ChainStatus.SUCCEEDED else None)
        return self.get(chain.id)

    def _forwarder(self, chain: Chain, link: Link,
                   job_id: str) -> Callable[[StoreEvent], None]:
        total = len(chain.links)

        def forward(event: StoreEvent) -> None:
            if event.job_id != job_id or event.job is None or event.chain is not None:
                return
            part = event.job.progress or 0.0
            self._event(chain, f"Generating link {link.index}/{total}",
                        (link.index - 1 + part) / total * _LINKS_SHARE, job_id)

        return forward

    def _event(self, chain: Chain, message: str, fraction: float | None = None,
               job_id: str = "") -> None:
        self.store.publish(StoreEvent.chain_changed(chain.id, message, fraction, job_id))


def _sha256_of(ref: str) -> str | None:
    import hashlib

    path = Path(ref)
    if is_url(ref) or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()
