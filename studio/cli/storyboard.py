"""studio-cli storyboard create | list | show | run | approve | regenerate | stitch.

    studio-cli storyboard create board.json          # our schema, or `assist story --json`
    studio-cli storyboard run ID --auto-approve --wait
    studio-cli storyboard approve ID --scene 2 --stage keyframe
    studio-cli storyboard regenerate ID --scene 2 --stage clip --notes "slower pan"
    studio-cli storyboard stitch ID --json           # {"storyboard_id", "final": {...}}

Dry-run by default like every job: a dry-run keyframe records its request and the scene's
clip waits (there is no keyframe to animate). `run` and `regenerate` are checked against
the spend budgets (--max-usd) before anything is sent. Exit codes: 0 success or dry-run,
1 a job or the stitch failed, 2 bad input or a budget refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.cli.follow import until_accepted
from studio.cli.spend import add_max_usd, check_spend, report_refused
from studio.core.jobs import Job
from studio.core.sequences.storyboard_spec import STAGES, from_text
from studio.core.sequences.storyboards import Storyboard, Storyboards
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="storyboard_command", required=True)
    s = sub.add_parser("create", help="a storyboard from a JSON file (docs/storyboard.schema"
                       ".json, or the draft `assist story --json` prints)")
    s.add_argument("file", metavar="FILE.json")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("list", help="saved storyboards, newest first")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("show", help="one storyboard: scenes, stages, attempts, the film")
    s.add_argument("id", metavar="ID")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("export", help="the storyboard as JSON (without its run state)")
    s.add_argument("id", metavar="ID")
    s = sub.add_parser("run", help="send every stage that is ready (dry-run unless enabled)")
    s.add_argument("id", metavar="ID")
    s.add_argument("--auto-approve", action="store_true",
                   help="approve each finished stage and go straight on")
    s.add_argument("--wait", action="store_true", help="keep going until nothing more can "
                   "move without you (default: return once providers accepted the jobs)")
    s.add_argument("--json", action="store_true")
    add_max_usd(s)
    s = sub.add_parser("approve", help="approve a stage's newest output")
    _stage_args(s)
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("regenerate", help="try a stage again (notes edit the prompt)")
    _stage_args(s)
    s.add_argument("--notes", help="added to the scene's prompt from now on")
    s.add_argument("--wait", action="store_true")
    s.add_argument("--json", action="store_true")
    add_max_usd(s)
    s = sub.add_parser("audition", help="fan a stage out to several models as a compare "
                       "group (vote on it, then `pick`)")
    _stage_args(s)
    s.add_argument("--target", action="append", required=True, metavar="PROVIDER:MODEL")
    s.add_argument("--wait", action="store_true")
    s.add_argument("--json", action="store_true")
    add_max_usd(s)
    s = sub.add_parser("pick", help="the audition's winner (or --job) becomes the take")
    _stage_args(s)
    s.add_argument("--job", metavar="JOB", help="default: the winner of the newest vote")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("stitch", help="join the approved clips into one film (an asset)")
    s.add_argument("id", metavar="ID")
    s.add_argument("--json", action="store_true")


def _stage_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("id", metavar="ID")
    s.add_argument("--scene", type=int, required=True, metavar="N", help="1-based")
    s.add_argument("--stage", required=True, choices=STAGES)


async def run(studio: Studio, args: argparse.Namespace) -> int:
    boards = studio.storyboards
    command = args.storyboard_command
    if command == "create":
        return _create(boards, args)
    if command == "list":
        return _list(boards, args.json)
    board = boards.require(args.id)
    if command == "show":
        return _show(boards, board, args.json)
    if command == "export":
        sys.stdout.write(boards.export_json(board.id))
        return 0
    if command == "run":
        return await _run(studio, boards, board, args)
    if command == "approve":
        board = boards.approve(board.id, args.scene, args.stage)
        return _show(boards, board, args.json)
    if command == "regenerate":
        check_spend(studio, [boards.stage_request(board.id, args.scene, args.stage,
                                                  args.notes)], args)
        job = await boards.regenerate(board.id, args.scene, args.stage, args.notes)
        return await _finish(studio, boards, board.id, [job], args)
    if command == "audition":
        return await _audition(studio, boards, board, args)
    if command == "pick":
        from studio.core.sequences.storyboard_audition import pick

        return _show(boards, pick(boards, board.id, args.scene, args.stage, args.job),
                     args.json)
    return await _stitch(boards, board, args.json)


async def _audition(studio: Studio, boards: Storyboards, board: Storyboard,
                    args: argparse.Namespace) -> int:
    from studio.core.compare.adapt import Target
    from studio.core.sequences.storyboard_audition import audition, audition_brief
    from studio.core.sequences.storyboard_spec import ModelChoice

    try:
        targets = [Target.parse(t) for t in args.target]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    brief, _ = audition_brief(boards, board, args.scene, args.stage)
    check_spend(studio, [a.request for a in studio.compare.plan(brief, targets)], args)
    group_id = await audition(boards, board.id, args.scene, args.stage, [
        ModelChoice(provider=t.provider, model=t.model) for t in targets])
    group = studio.compare.get(group_id)
    jobs = [j for i in (group.latest_jobs() if group else []) if (j := studio.store.get_job(i))]
    if not args.json:
        print(f"audition: compare group {group_id} (`studio-cli group {group_id}`; vote, "
              f"then `studio-cli storyboard pick {board.id} --scene {args.scene} "
              f"--stage {args.stage}`)")
    return await _finish(studio, boards, board.id, jobs, args)


def _create(boards: Storyboards, args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    board = boards.create(from_text(text))
    if args.json:
        print_json(boards.board_dict(board))
    else:
        print(f"storyboard {board.id}: {board.spec.title} ({len(board.spec.scenes)} scenes)")
    return 0


def _list(boards: Storyboards, as_json: bool) -> int:
    rows = [{"storyboard_id": b.id, "title": b.spec.title, "scenes": len(b.spec.scenes),
             "status": boards.status(b), "updated_at": b.updated_at,
             "duration_seconds": sum(s.duration_seconds for s in b.spec.scenes)}
            for b in boards.recent()]
    if as_json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['storyboard_id']}  {r['status']:<9} {r['scenes']:>2} scenes  "
                  f"{r['duration_seconds']:>5.1f}s  {r['title']}")
    return 0


def _show(boards: Storyboards, board: Storyboard, as_json: bool) -> int:
    data = boards.board_dict(board)
    if as_json:
        print_json(data)
        return 0
    print(f"{data['storyboard_id']}  {data['title']}  ({data['status']}"
          f"{', auto-approve' if data['auto_approve'] else ''})")
    for scene in data["scenes"]:
        stages = "  ".join(f"{name}: {st['status']}" for name, st in scene["stages"].items())
        ends = f"  (ends on {scene['index'] + 1}'s keyframe)" if scene.get(
            "end_on_next_keyframe") else ""
        print(f"  {scene['index']:>2}. {scene['duration_seconds']:>4.1f}s  {stages}  "
              f"{scene['prompt'][:60]}{ends}")
    if data["final"]:
        print(f"  film: {data['final']['path']}")
    return 0


async def _run(studio: Studio, boards: Storyboards, board: Storyboard,
               args: argparse.Namespace) -> int:
    check_spend(studio, boards.quote_requests(board), args)
    before = _job_ids(boards.require(board.id))
    board = await boards.run(board.id, auto_approve=args.auto_approve or None,
                             wait=args.wait)
    sent = [j for i in _job_ids(board) - before if (j := studio.store.get_job(i))]
    return await _finish(studio, boards, board.id, sent, args)


async def _finish(studio: Studio, boards: Storyboards, board_id: str, jobs: list[Job],
                  args: argparse.Namespace) -> int:
    live = [j.id for j in jobs if not j.dry_run]
    if getattr(args, "wait", False):
        await asyncio.gather(*(studio.wait(i) for i in live))
    else:  # the providers have them; `studio-cli wait` or the app finish them
        await until_accepted(studio, live)
    board = boards.require(board_id)
    _show(boards, board, args.json)
    refused = report_refused([studio.store.get_job(j.id) for j in jobs])
    failed = [f"scene {s['index']} {name}" for s in boards.board_dict(board)["scenes"]
              for name, st in s["stages"].items() if st["status"] == "failed"]
    if failed and not args.json:
        print("studio-cli: failed: " + ", ".join(failed), file=sys.stderr)
    return refused or (1 if failed else 0)


def _job_ids(board: Storyboard) -> set[str]:
    return {a.job_id for s in board.states.values() for st in (s.keyframe, s.clip)
            for a in st.attempts if a.job_id}


async def _stitch(boards: Storyboards, board: Storyboard, as_json: bool) -> int:
    from studio.core.sequences.stitch import StitchError
    from studio.core.sequences.storyboard_stitch import final_shape, stitch_storyboard

    try:
        final = await asyncio.to_thread(stitch_storyboard, boards, board.id)
    except StitchError as exc:
        print(f"studio-cli: the stitch failed: {exc}", file=sys.stderr)
        if as_json:
            print_json({"storyboard_id": board.id, "final": None, "error": str(exc)})
        return 1
    out: dict[str, Any] = {"storyboard_id": board.id, "final": final_shape(final),
                           "asset_id": final["asset_id"], "method": final["method"]}
    if as_json:
        print_json(out)
    else:
        print(f"film: {final['path']} ({final['duration_seconds']:.2f}s, "
              f"{final['width']}x{final['height']}, {final['method']})")
    return 0
