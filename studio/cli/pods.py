"""studio-cli pods list | show ID | gpu-types | templates | volumes | account
               | create --gpu TYPE --template ID [--volume ID] [--name NAME]
               | start | stop | restart | terminate ID

create, start and restart are paid: a dry-run (recorded with the pod's price per hour)
unless RunPod's flag (features.enable_public_image_providers) is on and a key is present;
stop and terminate are sent under the same decision. Exit codes: 0 done or dry-run, 1 RunPod
refused or failed (the message says why), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from studio.cli.common import UsageError, print_json
from studio.core.pods.records import PodAction
from studio.core.pods.service import PodView
from studio.core.service import Studio
from studio.providers.base import ProviderError
from studio.providers.runpod_pods import CreatePod

READS = ("list", "gpu-types", "templates", "volumes", "account")
ACTIONS = ("start", "stop", "restart", "terminate")


def build(s: argparse.ArgumentParser) -> None:
    actions = s.add_subparsers(dest="pods_action", required=True)
    for name, words in (("list", "your pods: status, GPU, uptime, cost so far"),
                        ("gpu-types", "GPU types with hourly prices and availability"),
                        ("templates", "pod templates (ComfyUI ones marked)"),
                        ("volumes", "network volumes"),
                        ("account", "balance, spend per hour, billed so far")):
        actions.add_parser(name, help=words).add_argument("--json", action="store_true")
    a = actions.add_parser("show", help="one pod")
    a.add_argument("pod_id")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("create", help="create a pod (paid: dry-run unless live)")
    a.add_argument("--gpu", required=True, help="GPU type id, e.g. 'NVIDIA GeForce RTX 4090'")
    a.add_argument("--template", help="template id (e.g. a ComfyUI template)")
    a.add_argument("--image", help="container image instead of a template")
    a.add_argument("--volume", help="network volume id")
    a.add_argument("--name", default="studio-comfyui")
    a.add_argument("--cloud", choices=("SECURE", "COMMUNITY"), default="SECURE")
    a.add_argument("--gpu-count", type=int, default=1)
    a.add_argument("--port", action="append", help="port to expose (default 8188/http)")
    a.add_argument("--json", action="store_true")
    for name in ACTIONS:
        paid = " (paid: dry-run unless live)" if name in ("start", "restart") else ""
        a = actions.add_parser(name, help=f"{name} a pod{paid}")
        a.add_argument("pod_id")
        a.add_argument("--json", action="store_true")


async def run(studio: Studio, args: argparse.Namespace) -> int:
    try:
        return await _run(studio, args)
    except ProviderError as exc:
        print(f"studio-cli: {studio.redactor.text(exc.message)}", file=sys.stderr)
        return 1


async def _run(studio: Studio, args: argparse.Namespace) -> int:
    pods, what = studio.pods, args.pods_action
    if what == "list":
        views = await pods.pods()
        return _out(args, [v.as_dict() for v in views], lambda: _table(views))
    if what == "show":
        view = await pods.show(_pod_id(args.pod_id))
        return _out(args, view.as_dict(), lambda: _table([view]))
    if what == "gpu-types":
        gpus, source = await pods.gpu_types()
        data = [{**g.as_dict(), "source": source} for g in gpus]
        return _out(args, data, lambda: print("\n".join(
            f"{g.id:<28} {_price(g.secure_price):>8} secure {_price(g.community_price):>8} "
            f"community  stock: {g.stock or '?'} secure, {g.community_stock or '?'} community"
            for g in gpus) + f"\n({source})"))
    if what == "templates":
        templates = await pods.templates()
        return _out(args, [t.as_dict() for t in templates], lambda: print("\n".join(
            f"{t.id:<24} {t.name:<28} {t.image}{'  [ComfyUI]' if t.is_comfyui else ''}"
            for t in templates)))
    if what == "volumes":
        volumes = await pods.volumes()
        return _out(args, [v.as_dict() for v in volumes], lambda: print("\n".join(
            f"{v.id:<20} {v.name:<20} {v.size_gb or 0:g} GB  {v.data_center}"
            for v in volumes) or "no network volumes"))
    if what == "account":
        account = await pods.account()
        return _out(args, account, lambda: print(
            f"balance {_price(account['balance_usd'])}, spending "
            f"{_price(account['spend_per_hr'])}/h"))
    if what == "create":
        try:
            spec = CreatePod(name=args.name, gpu_type_id=args.gpu, gpu_count=args.gpu_count,
                             cloud_type=args.cloud, template_id=args.template,
                             image_name=args.image, network_volume_id=args.volume,
                             **({"ports": args.port} if args.port else {}))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            where = f"{where}: " if where else ""
            raise UsageError(f"pods create: {where}{first['msg']}") from None
        return _action(args, await pods.create(spec))
    return _action(args, await pods.act(_pod_id(args.pod_id), what))


def _pod_id(value: str) -> str:
    from studio.providers.runpod_pods import check_pod_id

    try:
        return check_pod_id(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _out(args: argparse.Namespace, data: Any, human: Any) -> int:
    if args.json:
        print_json(data)
    else:
        human()
    return 0


def _price(value: float | None) -> str:
    return "-" if value is None else f"${value:.2f}"


def _table(views: list[PodView]) -> None:
    if not views:
        print("no pods")
    for v in views:
        cost = "" if v.cost_so_far is None else f"${v.cost_so_far:.4f} so far"
        server = f"  ComfyUI: {v.server}" if v.server else ""
        print(f"{v.pod.id:<16} {v.pod.name:<20} {v.pod.status:<9} {v.pod.gpu_type:<26} "
              f"{_price(v.pod.cost_per_hr)}/h  up {v.uptime_seconds / 60:.0f} min  {cost}{server}")


def _action(args: argparse.Namespace, row: PodAction) -> int:
    if args.json:
        print_json(row.as_dict())
    else:
        price = f" at {_price(row.usd_per_hour)}/h" if row.usd_per_hour is not None else ""
        if row.dry_run:
            print(f"dry-run: {row.action}{price} not sent ({row.reason})")
        elif row.error:
            print(f"{row.action} failed: {row.error}")
        else:
            print(f"{row.action} sent{price}: pod {row.pod_id}")
    if row.error:
        print(f"studio-cli: {row.error}", file=sys.stderr)
        return 1
    return 0
