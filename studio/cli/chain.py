"""studio-cli chain: one image animated into N chained clips, stitched into one film.

    studio-cli chain --provider P --model M --image IMG --prompt TEXT [--prompt TEXT ...]
                     [--links N] [--param K=V] [--wait] --json

Dry-run by default like every job: each link's request is recorded (links after the first
with a placeholder for the frame not known yet). Live, without --wait the command returns
once the provider has accepted link 1; `studio-cli chains resume ID` makes the rest (and
so does running the command again with --wait). `studio-cli chains list|show|resume|
regenerate|cancel` work on chains already made.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from pydantic import ValidationError

from studio.cli.common import UsageError, print_json
from studio.cli.follow import accepted
from studio.cli.params import parse_params
from studio.cli.spend import add_max_usd, check_spend
from studio.core.events import EventKind, StoreEvent
from studio.core.requests import RequestError, field_errors
from studio.core.sequences.chain_store import Chain, ChainStatus
from studio.core.sequences.chain_view import chain_dict
from studio.core.sequences.chains import ChainError
from studio.core.service import Studio
from studio.providers.base import Mode, RenderRequest


def build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--provider", required=True)
    p.add_argument("--model", required=True, help="an image-to-video model")
    p.add_argument("--image", required=True, metavar="ASSET_ID_OR_PATH_OR_URL",
                   help="the start image: an asset id, an image file or an https URL")
    p.add_argument("--prompt", action="append", required=True,
                   help="one per link, in order (or one, repeated --links times)")
    p.add_argument("--links", type=int, help="how many links (with a single --prompt)")
    p.add_argument("--end-image", action="append", default=[], metavar="ASSET_ID_OR_PATH",
                   help="an end frame per link, in order (models that take one)")
    p.add_argument("--negative")
    p.add_argument("--seed", type=int)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a model setting for every link (read by the setting's type)")
    p.add_argument("--wait", action="store_true",
                   help="make every link and stitch the film before returning (default: "
                        "return once link 1 is accepted)")
    p.add_argument("--json", action="store_true")
    add_max_usd(p)


def build_chains(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    listing = sub.add_parser("list", help="recent chains")
    listing.add_argument("--limit", type=int, default=20)
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one chain with its links and film")
    show.add_argument("chain_id")
    show.add_argument("--json", action="store_true")
    resume = sub.add_parser("resume", help="make the links not made yet, then stitch")
    resume.add_argument("chain_id")
    resume.add_argument("--json", action="store_true")
    add_max_usd(resume)
    regen = sub.add_parser("regenerate", help="make one link again (later links go stale; "
                                              "`chains resume` makes them from it)")
    regen.add_argument("chain_id")
    regen.add_argument("--link", type=int, required=True, metavar="K")
    regen.add_argument("--json", action="store_true")
    add_max_usd(regen)
    cancel = sub.add_parser("cancel", help="cancel the running link; finished links stay")
    cancel.add_argument("chain_id")
    cancel.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    try:  # a clear word about the chain itself before any price is asked
        studio.chains.check(args.provider, args.model, args.prompt, links=args.links,
                            end_images=list(args.end_image) or None)
    except ChainError as exc:
        raise UsageError(str(exc)) from None
    fields = _fields(studio, args.provider, args.model)
    params = parse_params(args.param, fields)
    count = args.links if args.links is not None else len(args.prompt)
    try:
        quoted = [RenderRequest(provider=args.provider, model=args.model, mode=Mode.IMG2VIDEO,
                                prompt=args.prompt[min(i, len(args.prompt) - 1)],
                                negative_prompt=args.negative, seed=args.seed, params=params,
                                input_images=[studio.input_ref(args.image)])
                  for i in range(max(count, 1))]
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    check_spend(studio, quoted, args)  # above --max-usd or the confirm amount: exit 2
    chain = _create(studio, args, params)  # bad input: ChainError, exit 2, nothing sent
    chain = await _drive(studio, chain.id, wait=args.wait)
    return _report(studio, chain, args.json)


def _create(studio: Studio, args: argparse.Namespace, params: dict[str, Any]) -> Chain:
    try:
        return studio.chains.create(args.provider, args.model, args.image, args.prompt,
                                    links=args.links, params=params, seed=args.seed,
                                    negative_prompt=args.negative,
                                    end_images=list(args.end_image) or None)
    except ChainError as exc:
        raise UsageError(str(exc)) from None


async def run_chains(studio: Studio, args: argparse.Namespace) -> int:
    if args.action == "list":
        chains = studio.chains.recent(args.limit)
        if args.json:
            print_json([chain_dict(c, studio.store) for c in chains])
        else:
            for c in chains:
                done = sum(1 for lk in c.links if lk.status.value == "succeeded")
                print(f"{c.id}  {c.status.value:<9}  {c.spec.provider}:{c.spec.model}  "
                      f"{done}/{len(c.links)} links")
        return 0
    chain = _get(studio, args.chain_id)
    if args.action == "show":
        return _report(studio, chain, args.json, exit_on_status=False)
    if args.action == "cancel":
        chain = await studio.chains.cancel(chain.id)
        return _report(studio, chain, args.json, exit_on_status=False)
    if args.action == "regenerate":
        try:
            link = chain.link(args.link)
        except KeyError as exc:
            raise UsageError(str(exc.args[0])) from None
        check_spend(studio, _requests(chain, [link.prompt]), args)  # before anything changes
        chain = studio.chains.regenerate(chain.id, args.link)
        chain = await _drive(studio, chain.id, wait=True, until=args.link)
        return _report(studio, chain, args.json)
    missing = [lk.prompt for lk in chain.links if lk.status.value != "succeeded"]
    check_spend(studio, _requests(chain, missing), args)  # resume
    chain = await _drive(studio, chain.id, wait=True)
    return _report(studio, chain, args.json)


def _requests(chain: Chain, prompts: list[str]) -> list[RenderRequest]:
    """What the links to make will send, for the spend check (start image as a stand-in
    for frames not taken yet: the price does not depend on the picture)."""
    return [RenderRequest(provider=chain.spec.provider, model=chain.spec.model,
                          mode=Mode.IMG2VIDEO, prompt=p, params=chain.spec.params,
                          seed=chain.spec.seed, input_images=[chain.spec.start_image])
            for p in prompts]


def _get(studio: Studio, chain_id: str) -> Chain:
    try:
        return studio.chains.get(chain_id)
    except ChainError as exc:
        raise UsageError(str(exc)) from None


async def _drive(studio: Studio, chain_id: str, *, wait: bool,
                 until: int | None = None) -> Chain:
    """Run the chain; without `wait`, only until link 1 is accepted by the provider (the
    rest is left for `chains resume`: the chain stays `running`, its job is resumable)."""
    unsubscribe = studio.store.subscribe(_progress_line(chain_id))
    task = asyncio.create_task(studio.chains.run(chain_id, until=until))
    try:
        if wait:
            return await task
        while not task.done():
            chain = studio.chains.get(chain_id)
            running = [lk for lk in chain.links if lk.job_id and lk.status.value == "running"]
            job = studio.store.get_job(running[0].job_id or "") if running else None
            if job is not None and accepted(studio, job):
                task.cancel()  # let go: the job is out and resumable, the chain too
                await asyncio.gather(task, return_exceptions=True)
                print(f"studio-cli: chain {chain_id}: link {running[0].index} was accepted "
                      f"by {chain.spec.provider}; `studio-cli chains resume {chain_id}` makes "
                      "the rest", file=sys.stderr)
                return studio.chains.get(chain_id)
            await asyncio.wait({task}, timeout=0.1)
        return task.result()
    finally:
        unsubscribe()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def _progress_line(chain_id: str) -> Any:
    tty = sys.stderr.isatty()
    last: list[str] = []

    def show(event: StoreEvent) -> None:
        if not tty or event.kind is not EventKind.CHAIN_CHANGED or event.chain != chain_id:
            return
        share = "" if event.fraction is None else f" {event.fraction:.0%}"
        text = f"\r{event.message}{share}"
        if not last or text != last[-1]:
            sys.stderr.write(text.ljust(40))
            last.append(text)

    return show


def _report(studio: Studio, chain: Chain, as_json: bool, *, exit_on_status: bool = True
            ) -> int:
    data = chain_dict(chain, studio.store)
    if as_json:
        print_json(data)
    else:
        print(f"chain {chain.id}: {chain.status.value}"
              + (f" ({chain.error})" if chain.error else ""))
        for link in data["links"]:
            out = link["output"]["path"] if link["output"] else "-"
            print(f"  link {link['index']}: {link['status']:<9} job {link['job_id'] or '-'}  "
                  f"{out}")
        if data["final"]:
            print(f"  film: {data['final']['path']} ({data['final']['duration_seconds']} s)")
    if exit_on_status and chain.status in (ChainStatus.FAILED, ChainStatus.CANCELLED):
        print(f"studio-cli: chain {chain.id} {chain.status.value}: {chain.error or ''}",
              file=sys.stderr)
        return 1
    return 0


def _fields(studio: Studio, provider_id: str, model_id: str) -> Any:
    provider = studio.providers.get(provider_id)
    model = provider.models.get(model_id) if provider is not None else None
    return dict(model.params.model_fields) if model is not None else None
