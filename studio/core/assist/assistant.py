"""The prompt assistant: the flows as the GUI, the CLI and the API call them.

Every flow is one `AssistRun`, stored with the exact requests (secrets masked) and the
conversation. Live only when `features.enable_assistant` is on AND a key is present;
otherwise the run is a dry-run: its first request(s) are built and recorded, nothing is
sent, and the result is None. A call that fails, or an answer unusable twice, raises
`AssistError` (the run is stored as failed, with every request and answer so far).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from studio.core.assist import flows
from studio.core.assist.access import ChatAccess
from studio.core.assist.images import ImageRefError, Picture, find_asset, picture
from studio.core.assist.runs import AssistRun, AssistRuns, RunStatus
from studio.core.assist.session import AssistError, ChatSession, DryRunStop
from studio.core.assist.story import StoryBrief, write_storyboard
from studio.core.ports import JobLogWriter, Tables
from studio.core.quality_store import OPINION_LABEL, QualityStore
from studio.core.redaction import Redactor
from studio.providers.base import Provider, ProviderError
from studio.providers.prompt_hints import prompt_hint

log = logging.getLogger(__name__)
MAX_PROMPT = 10_000
MAX_REFERENCES = 6

Flow = Callable[[ChatSession], Awaitable[dict[str, Any]]]


class Assistant:
    def __init__(self, access: ChatAccess, tables: Tables, quality: QualityStore, *,
                 providers: Mapping[str, Provider], joblog: JobLogWriter,
                 redactor: Redactor) -> None:
        self.access = access
        self.tables = tables
        self.quality = quality
        self.providers = providers
        self.joblog = joblog
        self.redactor = redactor
        self.runs = AssistRuns(tables)

    # -- flows ----------------------------------------------------------------------------

    async def enhance(self, prompt: str, target: str | None = None) -> AssistRun:
        """Rewrite a prompt, for one provider:model's style when `target` is given."""
        text = _prompt(prompt)
        chosen = self.target(target) if target else None
        return await self._run("enhance", lambda s: flows.enhance(s, text, chosen))

    async def adapt(self, prompt: str, targets: Sequence[str]) -> AssistRun:
        """One rewrite per provider:model of a fan-out."""
        text = _prompt(prompt)
        if not targets:
            raise ValueError("name at least one provider:model to adapt the prompt for")
        chosen = [self.target(t) for t in dict.fromkeys(targets)]
        return await self._run("adapt", lambda s: flows.adapt(s, text, chosen))

    async def analyze(self, image: str) -> AssistRun:
        """Theme, subject, style, palette, lighting, camera motions and motion prompts of an
        image (a file, an asset id or an https URL)."""
        shown = await self._picture(image)
        return await self._run("analyze", lambda s: flows.analyze(s, shown), vision=True)

    async def story(self, brief: str, scenes: int, images: Sequence[str] = (), *,
                    rounds: int | None = None) -> AssistRun:
        """Director, Critic and Cohesion: a storyboard draft for the artist to edit."""
        if len(images) > MAX_REFERENCES:
            raise ValueError(f"at most {MAX_REFERENCES} reference images")
        settings = self.access.settings
        job = StoryBrief(brief.strip(), scenes, rounds=rounds or settings.critic_rounds,
                         approve_at=settings.approve_at)
        refs = [await self._picture(i) for i in images]
        job = StoryBrief(job.brief, job.scenes, refs, job.rounds, job.approve_at)
        return await self._run("story", lambda s: write_storyboard(s, job), vision=bool(refs))

    async def judge(self, asset_id: str) -> AssistRun:
        """A vision model's opinion of how closely an output follows its prompt, stored
        beside the output's local metrics and marked as the model's opinion."""
        asset = find_asset(self.tables, asset_id)
        if asset is None:
            raise ValueError(f"no output {asset_id!r} in this studio")
        rows = self.tables.query("SELECT prompt FROM jobs WHERE id=?", (asset.job_id,))
        prompt = str(rows[0]["prompt"] or "").strip() if rows else ""
        if not prompt:
            raise ValueError("this output's job has no prompt to judge it against")
        shown = await self._picture(f"asset:{asset.id}")
        run = await self._run("judge", lambda s: flows.judge(s, shown, prompt), vision=True)
        if run.result is not None:
            run.result["source"] = OPINION_LABEL
            self.runs.save(run)
            self.quality.save_opinion(asset.id, run.id, run.result["model"],
                                      run.result["score"], run.result["reasons"])
        return run

    # -- reads ----------------------------------------------------------------------------

    def run(self, run_id: str) -> AssistRun | None:
        return self.runs.get(run_id)

    def recent(self, limit: int = 50, flow: str | None = None) -> list[AssistRun]:
        return self.runs.recent(limit, flow)

    def target(self, key: str) -> flows.Target:
        """A provider:model of this studio; ValueError naming what exists otherwise."""
        provider_id, _, model_id = key.partition(":")
        provider = self.providers.get(provider_id)
        if provider is None or not model_id:
            known = ", ".join(sorted(self.providers))
            raise ValueError(f"{key!r}: give PROVIDER:MODEL with a provider of this studio "
                             f"({known})")
        try:
            model = provider.model(model_id)
        except ProviderError as exc:  # UnknownModel: its message lists the known ones
            raise ValueError(exc.message) from None
        hint = prompt_hint(provider.info.id, model.id, model.kind)
        return flows.Target(f"{provider.info.id}:{model.id}",
                            f"{provider.info.name} {model.name}", hint)

    # -- running a flow -------------------------------------------------------------------

    async def _picture(self, ref: str) -> Picture:
        try:
            return await asyncio.to_thread(picture, ref, self.tables)
        except ImageRefError as exc:
            raise ValueError(str(exc)) from None

    async def _run(self, flow: str, body: Flow, *, vision: bool = False) -> AssistRun:
        decision = self.access.decision()
        run = AssistRun.start(flow, live=decision.live, reason=decision.reason,
                              model=self.access.model(vision=vision))
        provider = self.access.info.id
        self.joblog.announce("assistant", "live" if run.live else "dry-run", provider,
                             run.id, flow=flow, model=run.model, reason=decision.reason)
        session = ChatSession(self.access, run, self.joblog, self.redactor)
        try:
            run.result = self.redactor.value(await body(session))
            run.status = RunStatus.SUCCEEDED
        except DryRunStop:
            run.status = RunStatus.DRY_RUN
        except AssistError as exc:
            run.status, run.error = RunStatus.FAILED, exc.message
            self._finish(run)
            raise
        except BaseException as exc:  # a cancel or a bug: the run is still recorded
            run.status, run.error = RunStatus.FAILED, f"stopped: {type(exc).__name__}"
            self._finish(run)
            raise
        self._finish(run)
        return run

    def _finish(self, run: AssistRun) -> None:
        run.finished_at = time.time()
        self.runs.save(run)
        self.joblog.append(self.access.info.id, run.id, "finished", flow=run.flow,
                           status=run.status.value, **({"error": run.error} if run.error
                                                       else {}))


def _prompt(prompt: str) -> str:
    text = prompt.strip()
    if not text:
        raise ValueError("the prompt is empty: write what you want first")
    if len(text) > MAX_PROMPT:
        raise ValueError(f"the prompt is {len(text)} characters; the limit is {MAX_PROMPT}")
    return text
