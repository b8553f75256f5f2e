"""studio-cli workflows import | list.

import: 0 imported, 2 not imported (the reason on stderr; nothing was saved).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.cli.common import UsageError
from studio.core.service import Studio
from studio.core.workflows import WorkflowImportError


def build(s: argparse.ArgumentParser) -> None:
    actions = s.add_subparsers(dest="workflows_action", required=True)
    a = actions.add_parser("import", help="import an API-format workflow JSON file "
                                          "(ComfyUI: Workflow > Export (API))")
    a.add_argument("file")
    a.add_argument("--name", help="display name (default: the file's name)")
    a.add_argument("--replace", action="store_true",
                   help="replace an imported workflow of the same name")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("list", help="the imported workflows and their model ids")
    a.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    if args.workflows_action == "import":
        try:
            workflow = studio.import_workflow(Path(args.file), args.name, replace=args.replace)
        except WorkflowImportError as exc:
            raise UsageError(f"{args.file}: not imported: {exc}") from None
        if args.json:
            print(json.dumps(workflow.as_dict(), indent=2))
        else:
            print(f"imported {workflow.name!r}: " + ", ".join(
                f"{provider}:{model}" for provider, model in workflow.models))
        return 0
    workflows = studio.workflows.imported()
    if args.json:
        print(json.dumps([w.as_dict() for w in workflows], indent=2))
        return 0
    if not workflows:
        print(f"no imported workflows (folder: {studio.paths.workflows_dir})")
    for w in workflows:
        models = "  ".join(f"{provider}:{model}" for provider, model in w.models)
        print(f"{w.name:<32} {','.join(w.modes):<10} {models}")
    return 0
