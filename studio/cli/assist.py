"""studio-cli assist enhance | adapt | analyze | story | judge | runs | show | key.

Dry-run unless `features.enable_assistant` is on and the assistant's key is present: the
exact request is printed (secrets masked) and nothing is sent. --json prints the run:
`{"run", "flow", "live", "reason", "requests", "result"}` (result None in a dry-run):

  enhance  {"original", "prompt", "diff": [{"op", "text"}], "target", "notes"}
  adapt    {"original", "prompts": [an enhance result per target]}
  analyze  {"image", "theme", "main_subject", "style", "palette": [{"name", "hex"}],
            "lighting", "camera_motions", "motion_prompts"}
  story    {"brief", "scenes_requested", "rounds", "approved", "storyboard",
            "critiques", "cohesion", "conversation"}
  judge    {"asset", "score", "reasons", "model", "source"}

Exit codes: 0 answered or dry-run, 1 the call failed or the answer was unusable, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.core.assist import AssistError, AssistRun
from studio.core.service import Studio


def build(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="assist_command", required=True)
    s = sub.add_parser("enhance", help="rewrite a prompt (for one model's style)")
    s.add_argument("--prompt", required=True)
    s.add_argument("--for", dest="target", metavar="PROVIDER:MODEL")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("adapt", help="one rewrite per model of a fan-out")
    s.add_argument("--prompt", required=True)
    s.add_argument("--for", dest="targets", action="append", required=True,
                   metavar="PROVIDER:MODEL")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("analyze", help="theme, subject, palette, motion prompts of an image")
    s.add_argument("image", metavar="IMAGE", help="a file, an output id or an https URL")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("story", help="Director + Critic storyboard draft from a brief")
    s.add_argument("--brief", required=True)
    s.add_argument("--scenes", type=int, required=True)
    s.add_argument("--image", action="append", default=[], metavar="REF",
                   help="a reference image (repeatable)")
    s.add_argument("--rounds", type=int, help="most Director/Critic rounds (Settings)")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("judge", help="a vision model's opinion of an output's adherence")
    s.add_argument("asset", metavar="ASSET_ID")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("runs", help="the assistant's recent runs")
    s.add_argument("--limit", type=int, default=20)
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("show", help="one run in full: requests, conversation, result")
    s.add_argument("run_id", metavar="RUN")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("key", help="the assistant's API key in the OS keyring (from stdin)")
    s.add_argument("action", choices=["set", "delete", "status"])


async def run(studio: Studio, args: argparse.Namespace) -> int:
    command = args.assist_command
    assist = studio.assist
    if command == "runs":
        return _list(assist.recent(args.limit), args.json)
    if command == "key":
        return _key(studio, args.action)
    if command == "show":
        found = assist.run(args.run_id)
        if found is None:
            raise UsageError(f"no assistant run {args.run_id!r}")
        return _show(found, args.json)
    try:
        if command == "enhance":
            done = await assist.enhance(args.prompt, args.target)
        elif command == "adapt":
            done = await assist.adapt(args.prompt, args.targets)
        elif command == "analyze":
            done = await assist.analyze(args.image)
        elif command == "story":
            done = await assist.story(args.brief, args.scenes, args.image, rounds=args.rounds)
        else:
            done = await assist.judge(args.asset)
    except AssistError as exc:
        where = f" (run {exc.run_id}: studio-cli assist show {exc.run_id})" if exc.run_id else ""
        print(f"studio-cli: the assistant failed: {exc.message}{where}", file=sys.stderr)
        return 1
    if args.json:
        print_json(done.as_json())
    else:
        print(_human(done))
    return 0


def _human(run: AssistRun) -> str:
    if not run.live:
        request = json.dumps(run.requests, indent=2)
        return (f"dry-run (nothing was sent): {run.reason}\nThe request(s) that would be "
                f"sent (run {run.id}):\n{request}")
    result = run.result or {}
    if run.flow == "enhance":
        return _enhanced(result)
    if run.flow == "adapt":
        return "\n\n".join(f"{r['target']}:\n{_enhanced(r)}" for r in result["prompts"])
    if run.flow == "analyze":
        palette = ", ".join(f"{c['name']} {c['hex']}" for c in result["palette"])
        lines = [f"theme: {result['theme']}", f"subject: {result['main_subject']}",
                 f"style: {result['style']}", f"palette: {palette}",
                 f"lighting: {result['lighting']}",
                 "camera motions: " + "; ".join(result["camera_motions"]),
                 "motion prompts:", *(f"  - {m}" for m in result["motion_prompts"])]
        return "\n".join(lines)
    if run.flow == "story":
        board = result["storyboard"]
        state = "approved" if result["approved"] else "not approved"
        lines = [f"{board['title']} ({state} after {result['rounds']} round(s), critic "
                 f"score {board['critic_score']})", board["story"], ""]
        for scene in board["scenes"]:
            lines.append(f"{scene['index']}. [{scene['duration_seconds']:g} s] "
                         f"{scene['prompt']}")
            if scene["transition"]:
                lines.append(f"   -> {scene['transition']}")
        return "\n".join(lines)
    return (f"{result['score']}/100 ({result['source']}, {result['model']})\n"
            + "\n".join(f"  - {r}" for r in result["reasons"]))


def _enhanced(result: dict[str, Any]) -> str:
    marked = "".join(d["text"] if d["op"] == "equal" else
                     (f"[-{d['text']}-]" if d["op"] == "delete" else f"{{+{d['text']}+}}")
                     for d in result["diff"])
    notes = "".join(f"\n  - {n}" for n in result["notes"])
    return f"{result['prompt']}\n\nchanges: {marked}{notes}"


def _list(runs: list[AssistRun], as_json: bool) -> int:
    if as_json:
        print_json([{"run": r.id, "flow": r.flow, "status": r.status.value, "live": r.live,
                     "model": r.model, "created_at": r.created_at, "error": r.error}
                    for r in runs])
        return 0
    for r in runs:
        print(f"{r.id}  {r.flow:<8} {r.status.value:<9} {r.model}"
              + (f"  {r.error}" if r.error else ""))
    return 0


def _show(run: AssistRun, as_json: bool) -> int:
    if as_json:
        print_json({**run.as_json(), "status": run.status.value, "model": run.model,
                    "error": run.error, "conversation": run.conversation})
        return 0
    print(f"run {run.id}: {run.flow}, {run.status.value}, {run.model}")
    for turn in run.conversation:
        images = f" [{', '.join(turn['images'])}]" if turn.get("images") else ""
        print(f"\n{turn['agent']} / {turn['role']}{images}:\n{turn['text']}")
    if run.error:
        print(f"\nerror: {run.error}")
    return 0


def _key(studio: Studio, action: str) -> int:
    access = studio.assist.access
    if action == "status":
        found = access.key()
        print(f"assistant: {found.source.value} ({found.detail})")
    elif action == "delete":
        print("assistant: " + ("deleted" if access.delete_key() else "no key was stored"))
    else:
        if sys.stdin.isatty():
            import getpass

            value = getpass.getpass("assistant key (input hidden): ")
        else:
            value = sys.stdin.readline()
        access.store_key(value)
        print("assistant: stored in the OS keyring")
    return 0
