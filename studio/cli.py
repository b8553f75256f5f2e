"""studio-cli: the Studio service, headless. Scripts and CI depend on this contract.

Exit codes: 0 success or dry-run, 1 a job or call failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from studio import __version__
from studio.core import logsetup
from studio.core.config import ConfigError, get_value, set_value
from studio.core.jobs import Job, JobStatus
from studio.core.jobview import job_dict
from studio.core.requests import RequestError, field_errors
from studio.core.secrets import KeyringUnavailable
from studio.core.service import Studio
from studio.providers.base import Mode, RenderRequest


class UsageError(Exception):
    """Bad input: exit 2 with the message."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="studio-cli", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"studio-cli {__version__}")
    p.add_argument("--sandbox", action="store_true",
                   help="talk to the local emulator (STUDIO_SANDBOX_URL, else start one)")
    p.add_argument("--sandbox-url", help="URL of a running `python -m studio.sandbox`")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("providers", help="the provider catalog")
    s.add_argument("--json", action="store_true")
    s.add_argument("--refresh", action="store_true", help="ask providers for their quotas")

    s = sub.add_parser("config", help="read or change settings")
    s.add_argument("action", choices=["get", "set", "path"])
    s.add_argument("key", nargs="?")
    s.add_argument("value", nargs="?")

    s = sub.add_parser("keys", help="API keys in the OS keyring")
    s.add_argument("action", choices=["set", "delete", "status"])
    s.add_argument("provider", nargs="?")

    s = sub.add_parser("generate", help="send (or dry-run) one request")
    s.add_argument("--provider", required=True)
    s.add_argument("--model", required=True)
    s.add_argument("--mode", choices=[m.value for m in Mode])
    s.add_argument("--prompt", required=True)
    s.add_argument("--negative")
    s.add_argument("--seed", type=int)
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("--image", action="append", default=[], metavar="PATH")
    s.add_argument("--wait", action="store_true", help="wait for a live job to finish")
    s.add_argument("--confirm-weaker-safety", action="store_true",
                   help="send even though a param weakens the provider's safety filter")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("jobs", help="list jobs")
    s.add_argument("--json", action="store_true")
    s.add_argument("--limit", type=int, default=50)

    s = sub.add_parser("job", help="one job in full")
    s.add_argument("id")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("cancel", help="cancel a job")
    s.add_argument("id")

    sub.add_parser("resume", help="resume unfinished live jobs and wait for them")

    s = sub.add_parser("replay", help="re-run a saved dry-run payload (never the network)")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    for module in _extensions():
        module.add_parsers(sub)
    return p


# Command groups that live in their own modules: each has add_parsers(subparsers) and
# `async run(studio, args) -> int | None` (None: not one of its commands).
EXTENSION_MODULES: list[str] = ["studio.cli_compare", "studio.cli_export", "studio.cli_serve",
                                 "studio.cli_workflows"]


def _extensions() -> list[Any]:
    import importlib

    return [importlib.import_module(name) for name in EXTENSION_MODULES]


def parse_params(items: list[str]) -> dict[str, Any]:
    """KEY=VALUE pairs. Values stay strings (pydantic coerces by field type) unless JSON."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {item!r}: expected KEY=VALUE")
        if value[:1] in "[{":
            try:
                params[key.strip()] = json.loads(value)
                continue
            except json.JSONDecodeError as exc:
                raise UsageError(f"--param {key}: invalid JSON ({exc.msg})") from None
        params[key.strip()] = value
    return params


@contextlib.contextmanager
def _sandbox(args: argparse.Namespace) -> Iterator[str | None]:
    url = args.sandbox_url or (os.environ.get("STUDIO_SANDBOX_URL") if args.sandbox else None)
    if url or not args.sandbox:
        yield url
        return
    from studio.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server.url


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def _usd(value: float | None) -> str:
    return "" if value is None else f"~${value:.3f}"


def _human_job(job: dict[str, Any]) -> str:
    cost = job["estimates"].get("usd")
    line = (f"{job['job_id']}  {job['status']:<10} {job['provider']}:{job['model']}"
            f"  {_usd(cost)}")
    if job.get("dry_run_reason"):
        line += f"\n  dry-run: {job['dry_run_reason']}"
    if job.get("error"):
        line += f"\n  error: {job['error']}"
    for out in job.get("outputs") or []:
        line += f"\n  output: {out['path']} ({out['media_type']}, sha256 {out['sha256'][:12]})"
    return line


async def _generate(studio: Studio, args: argparse.Namespace) -> int:
    try:
        request = RenderRequest(
            provider=args.provider, model=args.model, mode=args.mode, prompt=args.prompt,
            negative_prompt=args.negative, seed=args.seed, params=parse_params(args.param),
            input_images=args.image, confirm_weaker_safety=args.confirm_weaker_safety)
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    job = await studio.submit(request)
    if args.wait and not job.dry_run:
        job = await _wait_with_progress(studio, job.id)
    data = job_dict(job, studio.store)
    if args.json:
        _print(data)
    else:
        print(_human_job(data))
    if job.status in (JobStatus.FAILED, JobStatus.UNKNOWN, JobStatus.CANCELLED):
        print(f"studio-cli: job {job.id} {job.status.value}: {job.error or job.message}",
              file=sys.stderr)
        return 1
    return 0


async def _wait_with_progress(studio: Studio, job_id: str) -> Job:
    tty = sys.stderr.isatty()
    last = None

    def show(event: Any) -> None:
        nonlocal last
        if event.job_id != job_id or event.job is None or not tty:
            return
        j = event.job
        text = f"\r{j.status.value} {'' if j.progress is None else f'{j.progress:.0%}'}"
        if text != last:
            sys.stderr.write(text.ljust(30))
            last = text

    unsubscribe = studio.store.subscribe(show)
    try:
        return await studio.wait(job_id)
    finally:
        unsubscribe()
        if tty and last:
            sys.stderr.write("\n")


async def _run(args: argparse.Namespace, sandbox_url: str | None) -> int:
    studio = Studio(sandbox_url=sandbox_url)
    logsetup.configure(studio.paths, studio.redactor)
    for warning in studio.warnings:
        print(f"studio-cli: warning: {warning}", file=sys.stderr)
    try:
        return await _dispatch(studio, args)
    finally:
        await studio.aclose()


async def _dispatch(studio: Studio, args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "providers":
        if args.refresh:
            for pid, err in (await studio.catalog.refresh_quotas(force=True)).items():
                print(f"studio-cli: {pid}: {err}", file=sys.stderr)
        entries = [e.as_dict() for e in studio.catalog.entries()]
        if args.json:
            _print(entries)
        else:
            for e in entries:
                print(f"{e['id']:<10} {e['status']:<20} {e['name']}  ({e['reason']})")
                for m in e["models"]:
                    usd = m["price"]["usd"]
                    print(f"    {m['id']:<48} {','.join(m['modes']):<10} "
                          f"{_usd(usd) or '-'}")
        return 0
    if cmd == "config":
        return _config(studio, args)
    if cmd == "keys":
        return _keys(studio, args)
    if cmd == "generate":
        return await _generate(studio, args)
    if cmd == "jobs":
        jobs = [job_dict(j) for j in studio.store.list_jobs(limit=args.limit)]
        if args.json:
            _print(jobs)
        else:
            for j in jobs:
                print(f"{j['job_id']}  {j['status']:<10} {j['provider']}:{j['model']}  "
                      f"{(j['input'].get('prompt') or '')[:40]!r}")
        return 0
    if cmd in ("job", "cancel"):
        job = studio.store.find_job(args.id)
        if job is None:
            raise UsageError(f"no job {args.id!r}")
        if cmd == "cancel":
            job = await studio.cancel(job.id)
            print(f"{job.id} {job.status.value}")
            return 0 if job.status == JobStatus.CANCELLED or job.status.terminal else 1
        data = job_dict(job, studio.store)
        data["events"] = studio.store.events(job.id)
        _print(data) if args.json else print(_human_job(data))
        return 0
    if cmd == "resume":
        ids = await studio.resume()
        print(f"resuming {len(ids)} job(s)", file=sys.stderr)
        failed = 0
        for job_id in ids:
            job = await studio.wait(job_id)
            print(_human_job(job_dict(job, studio.store)))
            failed += job.status != JobStatus.SUCCEEDED
        return 1 if failed else 0
    if cmd == "replay":
        return await _replay(studio, args)
    for module in _extensions():
        code = await module.run(studio, args)
        if code is not None:
            return int(code)
    raise UsageError(f"unknown command {cmd}")


def _config(studio: Studio, args: argparse.Namespace) -> int:
    if args.action == "path":
        print(studio.paths.config_file)
        return 0
    if not args.key:
        raise UsageError("config get|set needs a KEY")
    if args.action == "get":
        _print(get_value(studio.settings, args.key))
        return 0
    if args.value is None:
        raise UsageError("config set needs a VALUE")
    studio.update_settings(set_value(studio.settings, args.key, args.value))
    _print(get_value(studio.settings, args.key))
    return 0


def _keys(studio: Studio, args: argparse.Namespace) -> int:
    if args.provider is None:
        if args.action != "status":
            raise UsageError("keys set|delete needs a PROVIDER")
        usable, backend = studio.keys.backend_status()
        print(f"keyring: {'ok' if usable else 'unavailable'} ({backend})")
        for pid in studio.providers:
            print(f"{pid:<10} {studio.key_for(pid).source.value}")
        return 0
    if args.provider not in studio.providers:
        raise UsageError(f"unknown provider {args.provider!r}; known: "
                         f"{', '.join(studio.providers)}")
    if args.action == "status":
        found = studio.key_for(args.provider)
        print(f"{args.provider}: {found.source.value} ({found.detail})")
        return 0
    if args.action == "delete":
        removed = studio.delete_key(args.provider)
        print(f"{args.provider}: {'deleted' if removed else 'no key was stored'}")
        return 0
    if sys.stdin.isatty():
        import getpass

        value = getpass.getpass(f"{args.provider} key (input hidden): ")
    else:
        value = sys.stdin.readline()
    studio.store_key(args.provider, value)
    print(f"{args.provider}: stored in the OS keyring")
    return 0


async def _replay(studio: Studio, args: argparse.Namespace) -> int:
    try:
        saved = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{args.file}: not a readable JSON file ({exc})") from None
    if not isinstance(saved, dict):
        raise UsageError(f"{args.file}: expected a JSON object")
    raw = saved.get("input", saved)
    try:
        request = RenderRequest.model_validate(raw)
    except ValidationError as exc:
        raise RequestError(field_errors(exc)) from None
    job = await studio.submit(request, force_dry_run=f"replay of {Path(args.file).name}")
    data = job_dict(job, studio.store)
    old = (saved.get("estimates") or {}).get("usd")
    data["saved_estimate_usd"] = old
    data["estimate_matches"] = old is None or old == data["estimates"]["usd"]
    _print(data) if args.json else print(_human_job(data))
    return 0 if data["estimate_matches"] else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _sandbox(args) as url:
            return asyncio.run(_run(args, url))
    except RequestError as exc:
        for err in exc.errors:
            print(f"studio-cli: {err}", file=sys.stderr)
        return 2
    except (UsageError, ConfigError, KeyringUnavailable, ValueError) as exc:
        print(f"studio-cli: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("studio-cli: interrupted; live jobs resume with `studio-cli resume`",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
