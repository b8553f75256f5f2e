"""studio-cli compare, groups, group, group-rerun, group-add, vote, scoreboard.

    studio-cli compare --target fal:fal-ai/flux/dev --target stability:ultra \\
        --prompt "a red fox" --seed 7 --aspect 16:9 --json

Exit codes as for the rest of studio-cli: 0 success or dry-run, 1 a job failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from pydantic import ValidationError

from studio.cli.common import UsageError, print_json
from studio.cli.follow import until_accepted
from studio.cli.params import coerce_param, split_param
from studio.cli.prompts import add_prompt_args, prompt_from
from studio.cli.spend import add_max_usd, check_spend, report_refused
from studio.core.compare.adapt import Brief, Target
from studio.core.compare.groups import CompareGroup, CompareGroups
from studio.core.compare.scoreboard import artist_scoreboard
from studio.core.compare.votes import default_artist
from studio.core.jobs import Job, JobStatus
from studio.core.requests import RequestError, field_errors
from studio.core.service import Studio

FAILED = (JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED)


def build_compare(s: argparse.ArgumentParser) -> None:
    s.add_argument("--target", action="append", required=True, metavar="PROVIDER:MODEL")
    add_prompt_args(s)
    s.add_argument("--negative")
    s.add_argument("--seed", type=int)
    s.add_argument("--aspect", metavar="W:H", help="e.g. 16:9; snapped per model")
    s.add_argument("--duration", type=float, metavar="SECONDS", help="video length")
    s.add_argument("--image", action="append", default=[], metavar="PATH")
    _param_args(s)
    _wait_json(s)


def build_groups(s: argparse.ArgumentParser) -> None:
    s.add_argument("--limit", type=int, default=50)
    s.add_argument("--json", action="store_true")


def build_group(s: argparse.ArgumentParser) -> None:
    s.add_argument("group")
    s.add_argument("--json", action="store_true")


def build_rerun(s: argparse.ArgumentParser) -> None:
    s.add_argument("group")
    s.add_argument("--cell", metavar="LABEL|JOB", help="only this cell (A, B ... or a job id)")
    _wait_json(s)


def build_add(s: argparse.ArgumentParser) -> None:
    s.add_argument("group")
    s.add_argument("--target", required=True, metavar="PROVIDER:MODEL")
    _param_args(s)
    _wait_json(s)


def build_vote(s: argparse.ArgumentParser) -> None:
    s.add_argument("group")
    pick = s.add_mutually_exclusive_group()
    pick.add_argument("--winner", metavar="JOB|LABEL")
    pick.add_argument("--tie", action="store_true")
    pick.add_argument("--all-bad", action="store_true")
    s.add_argument("--rate", action="append", default=[], metavar="JOB=N", help="1-5 stars")
    s.add_argument("--artist", help="default: the current user")
    s.add_argument("--json", action="store_true")


def build_scoreboard(s: argparse.ArgumentParser) -> None:
    s.add_argument("--artist", help="default: the current user")
    s.add_argument("--json", action="store_true")


def _param_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--param", action="append", default=[],
                   metavar="[PROVIDER:MODEL:]KEY=VALUE",
                   help="a model setting; without a target it goes to every model that has it")


def _wait_json(s: argparse.ArgumentParser) -> None:
    s.add_argument("--wait", action="store_true", help="wait for live jobs to finish "
                   "(default: return once the providers have accepted them)")
    s.add_argument("--json", action="store_true")
    add_max_usd(s)  # every command here that sends jobs


async def run_compare(studio: Studio, args: argparse.Namespace) -> int:
    return await _compare(studio, studio.compare, args)


async def run_groups(studio: Studio, args: argparse.Namespace) -> int:
    return _groups(studio.compare, args)


async def run_group(studio: Studio, args: argparse.Namespace) -> int:
    groups = studio.compare
    data = _with_votes(groups, _group(groups, args.group))
    print_json(data) if args.json else print(_human(data))
    return 0


async def run_rerun(studio: Studio, args: argparse.Namespace) -> int:
    groups = studio.compare
    group = _group(groups, args.group)
    position = _cell(studio, group, args.cell) if args.cell else None
    check_spend(studio, [r for _, r, _ in groups.rerun_requests(group.id, position)], args)
    jobs = await groups.rerun(group.id, position)
    return await _finish(studio, groups, group.id, args, jobs)


async def run_add(studio: Studio, args: argparse.Namespace) -> int:
    groups = studio.compare
    group = _group(groups, args.group)
    target = Target.parse(args.target)
    target.params = _params(args.param, [target], studio)[target.label]
    check_spend(studio, [a.request for a in groups.plan(group.brief, [target])], args)
    cell = await groups.add_target(group.id, target)
    job = studio.store.get_job(cell.job_id or "")
    return await _finish(studio, groups, group.id, args, [job] if job else [])


async def run_vote(studio: Studio, args: argparse.Namespace) -> int:
    return _vote(studio, _group(studio.compare, args.group), args)


async def run_scoreboard(studio: Studio, args: argparse.Namespace) -> int:
    return _scoreboard(studio, args)


def _group(groups: CompareGroups, ref: str) -> CompareGroup:
    group = groups.find(ref)
    if group is None:
        raise UsageError(f"no compare group {ref!r} (see `studio-cli groups`)")
    return group


async def _compare(studio: Studio, groups: CompareGroups, args: argparse.Namespace) -> int:
    try:
        brief = Brief(prompt=prompt_from(args), negative_prompt=args.negative, seed=args.seed,
                      aspect=args.aspect, duration=args.duration, input_images=args.image)
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    try:
        targets = [Target.parse(t) for t in args.target]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    per_target = _params(args.param, targets, studio)
    for t in targets:
        t.params = per_target[t.label]
    check_spend(studio, [a.request for a in groups.plan(brief, targets)], args)
    group = await groups.create(brief, targets)
    jobs = [j for c in group.cells if c.job_id and (j := studio.store.get_job(c.job_id))]
    return await _finish(studio, groups, group.id, args, jobs)


def _params(items: list[str], targets: list[Target], studio: Studio) -> dict[str, dict]:
    """--param KEY=VALUE for every target that has KEY; PROVIDER:MODEL:KEY=VALUE for one.
    Each value is read by the type of that target's own field."""
    out: dict[str, dict[str, Any]] = {t.label: dict(t.params) for t in targets}
    by_label = {t.label: t for t in targets}
    for item in items:
        key, value = split_param(item)
        label, colon, name = key.rpartition(":")
        if colon:
            if label not in out:
                raise UsageError(f"--param {item!r}: {label} is not one of the --target values")
            out[label][name] = coerce_param(name, value, _annotation(studio, by_label[label],
                                                                      name))
            continue
        has = [t for t in targets if _annotation(studio, t, name) is not None]
        if not has:
            raise UsageError(f"--param {item!r}: none of the targets has a setting {name!r}")
        for target in has:
            out[target.label][name] = coerce_param(name, value,
                                                   _annotation(studio, target, name))
    return out


def _annotation(studio: Studio, target: Target, name: str) -> Any:
    """The type of the target model's field `name`, or None when it has no such field."""
    provider = studio.providers.get(target.provider)
    model = provider.models.get(target.model) if provider else None
    field = model.params.model_fields.get(name) if model is not None else None
    return field.annotation if field is not None else None


async def _finish(studio: Studio, groups: CompareGroups, group_id: str,
                  args: argparse.Namespace, jobs: list[Job]) -> int:
    live = [j.id for j in jobs if not j.dry_run]
    if args.wait:
        await asyncio.gather(*(studio.wait(job_id) for job_id in live))
    else:  # returns once every provider has accepted its job; `wait` finishes them
        await until_accepted(studio, live)
    group = groups.get(group_id)
    assert group is not None
    data = groups.group_dict(group)
    print_json(data) if args.json else print(_human(data))
    failed = [j for j in jobs if (now := studio.store.get_job(j.id)) and now.status in FAILED]
    for job in failed:
        now = studio.store.get_job(job.id)
        print(f"studio-cli: job {job.id} ({job.provider}:{job.model}) {now.status.value}: "
              f"{now.error or now.message}", file=sys.stderr)
    refused = report_refused([studio.store.get_job(j.id) for j in jobs])
    return refused or (1 if failed else 0)


def _groups(groups: CompareGroups, args: argparse.Namespace) -> int:
    votes = groups.studio.votes
    rows = []
    for group in groups.recent(args.limit):
        statuses = []
        for cell in group.cells:
            job = groups.store.get_job(cell.job_id) if cell.job_id else None
            statuses.append(job.status.value if job else "not sent")
        rows.append({"group_id": group.id, "created_at": group.created_at,
                     "prompt": group.brief.prompt, "targets": [c.target.label for c in group.cells],
                     "statuses": statuses, "votes": len(votes.for_group(group.id))})
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['group_id']}  {len(r['targets'])} targets  {r['votes']} votes  "
                  f"{r['prompt'][:50]!r}")
    return 0


def _with_votes(groups: CompareGroups, group: CompareGroup) -> dict[str, Any]:
    data = groups.group_dict(group)
    data["votes"] = [v.as_dict() for v in groups.studio.votes.for_group(group.id)]
    return data


def _cell(studio: Studio, group: CompareGroup, ref: str) -> int:
    """A cell by label (A, B ...), job id or prefix, or PROVIDER:MODEL when unique."""
    for cell in group.cells:
        if ref.upper() == cell.letter:
            return cell.position
    job = studio.store.find_job(ref)
    if job is not None and (cell := group.cell_of_job(job.id)) is not None:
        return cell.position
    matches = [c for c in group.cells if c.target.label == ref]
    if len(matches) == 1:
        return matches[0].position
    labels = ", ".join(f"{c.letter}={c.target.label}" for c in group.cells)
    raise UsageError(f"{ref!r} is not a cell of group {group.id} ({labels})")


def _vote(studio: Studio, group: CompareGroup, args: argparse.Namespace) -> int:
    shown = group.votable(studio.store)
    winner = None
    if args.winner:
        winner = group.cell(_cell(studio, group, args.winner)).job_id
        if winner not in shown:
            raise UsageError(f"--winner {args.winner}: that cell has no output to judge yet")
    ratings: dict[str, int] = {}
    for item in args.rate:
        ref, sep, stars = item.rpartition("=")
        if not sep or not stars.strip().isdigit():
            raise UsageError(f"--rate {item!r}: expected JOB=N with N from 1 to 5")
        job_id = group.cell(_cell(studio, group, ref)).job_id
        ratings[job_id or ref] = int(stars)
    vote = studio.votes.cast(group.id, shown, winner=winner, tie=args.tie,
                                    all_bad=args.all_bad, ratings=ratings,
                                    artist=args.artist or default_artist())
    if args.json:
        print_json(vote.as_dict())
    else:
        what = {"winner": f"winner {vote.targets.get(winner or '', '')}", "tie": "tie",
                "all_bad": "all bad"}.get(vote.outcome.value if vote.outcome else "", "ratings")
        print(f"vote {vote.id} by {vote.artist}: {what}")
    return 0


def _scoreboard(studio: Studio, args: argparse.Namespace) -> int:
    artist = args.artist or default_artist()
    votes = studio.votes
    rows = artist_scoreboard(studio.store, votes, artist)
    if args.json:
        print_json({"artist": artist, "votes": len(votes.for_artist(artist)),
                "rows": [r.as_dict() for r in rows]})
        return 0
    if not rows:
        print(f"no votes by {artist} yet: vote with `studio-cli vote GROUP --winner A`")
        return 0
    print(f"{'#':>2}  {'model':<44} {'score':>6} {'wins':>5} {'votes':>5} {'avg':>4} "
          f"{'$/accepted':>10} {'latency':>8}")
    for r in rows:
        avg = f"{r.average_rating:.1f}" if r.average_rating is not None else "-"
        cost = f"${r.cost_per_accepted:.3f}" if r.cost_per_accepted is not None else "-"
        lat = f"{r.median_latency:.1f}s" if r.median_latency is not None else "-"
        print(f"{r.rank:>2}  {r.target[:44]:<44} {r.score:>6.0f} {r.wins:>5} {r.votes:>5} "
              f"{avg:>4} {cost:>10} {lat:>8}")
    return 0


def _human(data: dict[str, Any]) -> str:
    b = data["brief"]
    extras = [f"seed {b['seed']}" if b.get("seed") is not None else "",
              b.get("aspect") or "", f"{b['duration']:g} s" if b.get("duration") else ""]
    lines = [f"group {data['group_id']}  {b['prompt'][:60]!r}"
             + (f" ({', '.join(e for e in extras if e)})" if any(extras) else "")]
    for t in data["targets"]:
        usd = (t.get("estimates") or {}).get("usd")
        seed = {True: "seed ✓", False: "seed ✗", None: ""}[t["seed_honoured"]]
        lat = f"{t['latency_seconds']:.1f}s" if t.get("latency_seconds") is not None else ""
        lines.append(f"{t['label']:<3}{t['target']:<46} {t.get('status') or 'not sent':<10} "
                     f"{'' if usd is None else f'~${usd:.3f}':<8} {seed} {lat}".rstrip())
        lines += [f"     {a['note']}" for a in t["adaptations"] if a["outcome"] != "honoured"]
        if t.get("dry_run_reason"):
            lines.append(f"     dry-run: {t['dry_run_reason']}")
        if t.get("error"):
            lines.append(f"     error: {t['error']}")
        lines += [f"     output: {o['path']}" for o in t.get("outputs") or []]
    for v in data.get("votes") or []:
        lines.append(f"vote by {v['artist']}: {v['outcome'] or 'ratings'}"
                     + (f" {v['targets'].get(v['winner'], '')}" if v.get("winner") else ""))
    return "\n".join(lines)

