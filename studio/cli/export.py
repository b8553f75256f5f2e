"""studio-cli export | verify | contact-sheet.

export: 0 written (or --dry-run), 1 the export failed and nothing was written, 2 bad input.
verify: 0 valid, trusted or no credentials, 1 invalid, 2 unreadable.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.cli.common import UsageError, print_json
from studio.core import safe_json
from studio.core.export.contact_sheet import make_contact_sheet
from studio.core.export.copies import ExportError, SignWith, export_async, plan_export
from studio.core.export.credentials import CredentialsError, read_credentials, user_certificate
from studio.core.export.names import DEFAULT_TEMPLATE, TEMPLATE_FIELDS, TemplateError
from studio.core.export.sources import ExportSource, SourceError
from studio.core.provenance import sidecar_path
from studio.core.service import Studio


def build_export(s: argparse.ArgumentParser) -> None:
    s.epilog = "template fields: " + " ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
    pick = s.add_mutually_exclusive_group()
    pick.add_argument("--group", help="every output of a compare group")
    pick.add_argument("--job", nargs="+", metavar="JOB", help="outputs of these jobs")
    pick.add_argument("--asset", nargs="+", metavar="ASSET", help="these outputs")
    s.add_argument("--filter-provider", metavar="P", help="outputs of one provider")
    s.add_argument("--filter-text", metavar="T", help="outputs whose prompt contains T")
    s.add_argument("--to", required=True, metavar="DIR", help="destination folder")
    s.add_argument("--template", default=DEFAULT_TEMPLATE, help=f"file names ({DEFAULT_TEMPLATE})")
    s.add_argument("--sign", action="store_true",
                   help="add C2PA content credentials (local studio certificate unless "
                        "--cert and --key are given)")
    s.add_argument("--cert", metavar="CHAIN.pem", help="your signing certificate chain")
    s.add_argument("--key", metavar="KEY.pem", help="the private key of that certificate")
    s.add_argument("--dry-run", action="store_true", help="print the file names only")
    s.add_argument("--json", action="store_true")


def build_verify(s: argparse.ArgumentParser) -> None:
    s.add_argument("file")
    s.add_argument("--trust", action="append", default=[], metavar="ROOT.pem",
                   help="also trust this root certificate (repeatable)")
    s.add_argument("--json", action="store_true")


def build_sheet(s: argparse.ArgumentParser) -> None:
    s.add_argument("group")
    s.add_argument("--to", required=True, metavar="DIR")
    s.add_argument("--json", action="store_true")


async def run_export(studio: Studio, args: argparse.Namespace) -> int:
    with _bad_input():
        return await _export(studio, args)


async def run_verify(studio: Studio, args: argparse.Namespace) -> int:
    with _bad_input():
        return _verify(args)


async def run_sheet(studio: Studio, args: argparse.Namespace) -> int:
    with _bad_input():
        sheet = make_contact_sheet(studio, args.group, Path(args.to))
    if args.json:
        print_json({"group": sheet.group, "png": str(sheet.png), "html": str(sheet.html),
                    "targets": len(sheet.cells)})
    else:
        print(f"{sheet.png}\n{sheet.html}")
    return 0


@contextlib.contextmanager
def _bad_input() -> Iterator[None]:
    """Errors in what the user asked for (source, template, certificate): exit 2."""
    try:
        yield
    except (SourceError, TemplateError, CredentialsError) as exc:
        raise UsageError(str(exc)) from None


def _source(args: argparse.Namespace) -> ExportSource:
    filters = args.filter_provider or args.filter_text
    if filters and (args.group or args.job or args.asset):
        raise UsageError("use --filter-* or one of --group/--job/--asset, not both")
    if args.group:
        return ExportSource(group=args.group)
    if args.job:
        return ExportSource(job_ids=tuple(args.job))
    if args.asset:
        return ExportSource(asset_ids=tuple(args.asset))
    if not filters:
        raise UsageError("say what to export: --group, --job, --asset or --filter-provider/"
                         "--filter-text")
    return ExportSource(provider=args.filter_provider, text=args.filter_text)


async def _export(studio: Studio, args: argparse.Namespace) -> int:
    signing = studio.settings.signing
    args.sign = args.sign or signing.sign_exports
    if args.sign and args.cert is None and args.key is None and signing.certificate_chain:
        # The certificate configured in settings (signing.*), unless given here.
        args.cert, args.key = signing.certificate_chain, signing.private_key
    if (args.cert or args.key) and not args.sign:
        raise UsageError("--cert and --key only apply with --sign")
    if args.cert or args.key:
        if not (args.cert and args.key):
            raise UsageError("--sign with your own certificate needs both --cert and --key")
        user_certificate(args.cert, args.key)  # both files exist, before anything is planned
    plan = plan_export(studio, _source(args), Path(args.to), args.template)
    if args.dry_run:
        if args.json:
            print_json({"destination": str(plan.destination), "manifest": plan.manifest_name,
                    "files": [{"file": i.name, "asset_id": i.asset.id, "job_id": i.job.id}
                              for i in plan.items]})
        else:
            print("\n".join(plan.names()))
        return 0
    sign = SignWith(studio.paths.config_dir, args.cert, args.key) if args.sign else None
    tty = sys.stderr.isatty()

    def progress(done: int, total: int, name: str) -> None:
        if tty:
            sys.stderr.write(f"\r{done}/{total} {name}"[:78].ljust(78))

    try:
        result = await export_async(plan, studio.redactor, sign=sign, progress=progress)
    except ExportError as exc:
        print(f"studio-cli: {exc}", file=sys.stderr)
        return 1
    finally:
        if tty:
            sys.stderr.write("\n")
    if args.json:
        print_json(result.as_dict())
    else:
        for f in result.files:
            print(f"{result.destination / f.name}  ({f.content_credentials})")
        print(f"{result.manifest}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    anchors = []
    for pem in args.trust:
        try:
            anchors.append(Path(pem).read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--trust {pem}: not a readable PEM file ({exc})") from None
    report = read_credentials(path, "\n".join(anchors) or None)
    data = {"file": str(path), "credentials": report.as_dict(), "sidecar": _sidecar(path)}
    if args.json:
        print_json(data)
    else:
        print(_human(data))
    return {"invalid": 1, "unreadable": 2}.get(report.status, 0)


def _sidecar(path: Path) -> dict[str, Any] | None:
    side = sidecar_path(path)
    if not side.is_file():
        return None
    try:
        record = safe_json.loads(side.read_bytes())
    except (OSError, ValueError) as exc:  # unreadable, not JSON or UTF-8, nested too deep
        return {"path": str(side), "error": f"unreadable ({exc})"}
    if not isinstance(record, dict):
        return {"path": str(side), "error": "unreadable (not a JSON object)"}
    export = record.get("export") or {}
    expected = export.get("sha256") or (record.get("output") or {}).get("sha256")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"path": str(side), "provider": record.get("provider"), "model": record.get("model"),
            "sandbox": bool(record.get("sandbox")),
            "prompt": record.get("prompt"), "job_id": record.get("job_id"),
            "seed": record.get("seed"), "created_at": (record.get("timings") or {})
            .get("created_at"), "matches_file": expected == actual if expected else None}


def _human(data: dict[str, Any]) -> str:
    c = data["credentials"]
    lines = [f"{data['file']}", f"  content credentials: {c['headline']}"]
    side = data["sidecar"]
    if c.get("sandbox") or (side and side.get("sandbox")):
        lines.append("  SANDBOX RENDER: made by the local emulator, not by a provider")
    if c["status"] not in ("none", "unreadable"):
        lines.append(f"  signer: {c['signer'] or '?'} (issuer {c['issuer'] or '?'})")
        lines.append(f"  claim generator: {', '.join(c['claim_generator']) or '?'}")
        for a in c["actions"]:
            extra = f", {a['digital_source_type'].rsplit('/', 1)[-1]}" if a.get(
                "digital_source_type") else ""
            lines.append(f"  action: {a['action']} by {a['software_agent'] or '?'}{extra}")
        for i in c["ingredients"]:
            signed = f"signed by {i['signer']}" if i["has_manifest"] else "no manifest"
            lines.append(f"  ingredient: {i['title']} ({i['relationship']}, {signed})")
        if c["failures"]:
            lines.append(f"  failures: {', '.join(c['failures'])}")
    side = data["sidecar"]
    if side is None:
        lines.append("  sidecar: none")
    elif "error" in side:
        lines.append(f"  sidecar: {side['path']}: {side['error']}")
    else:
        match = {True: "matches this file", False: "DOES NOT match this file",
                 None: "no hash to compare"}[side["matches_file"]]
        lines.append(f"  sidecar: {side['provider']}:{side['model']} job {side['job_id']} "
                     f"seed {side['seed']} ({match})")
        lines.append(f"  prompt: {(side['prompt'] or '')[:200]}")
    return "\n".join(lines)
