"""Reading ComfyUI's answers: a refused prompt's node errors, history entries, system stats."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from studio.providers.http import json_object


def describe_rejection(body: Any) -> str:
    """A 400 from POST /prompt: the error, then each node error naming node and input."""
    if not isinstance(body, dict):
        return str(body)[:300]
    error = body.get("error")
    parts = [str(error.get("message") or error.get("type")) if isinstance(error, dict)
             else str(error or "the workflow was rejected")]
    if isinstance(error, dict) and error.get("details") and not body.get("node_errors"):
        parts[0] += f" ({error['details']})"
    nodes = json_object(body.get("node_errors"))
    for node_id, info in list(nodes.items())[:8]:
        info = info if isinstance(info, dict) else {}
        node = f"node {node_id} ({info.get('class_type', '?')})"
        for err in (info.get("errors") or [])[:3]:
            if not isinstance(err, dict):
                continue
            extra = json_object(err.get("extra_info"))
            where = f"{node} input {extra['input_name']}" if extra.get("input_name") else node
            text = str(err.get("message") or err.get("type") or "invalid")
            if err.get("details"):
                text += f": {err['details']}"
            parts.append(f"{where}: {text}")
    return "; ".join(parts)


def describe_execution_error(data: Mapping[str, Any]) -> str:
    node = f"node {data.get('node_id', '?')} ({data.get('node_type', '?')})"
    kind = data.get("exception_type") or "error"
    return f"ComfyUI: {node} failed: {kind}: {data.get('exception_message', '').strip()}"


def output_files(outputs: Any) -> list[dict[str, str]]:
    """Saved files from a history entry's outputs (previews of type temp are skipped)."""
    files = []
    for node_output in (outputs or {}).values() if isinstance(outputs, dict) else ():
        if not isinstance(node_output, dict):
            continue
        for items in node_output.values():
            for item in items if isinstance(items, list) else ():
                if (isinstance(item, dict) and isinstance(item.get("filename"), str)
                        and item.get("type", "output") == "output"):
                    files.append({"filename": item["filename"],
                                  "subfolder": str(item.get("subfolder") or ""),
                                  "type": "output"})
    return files


def describe_system(stats: Any) -> str:
    """'ComfyUI 0.3.66, NVIDIA GeForce RTX 4090 24 GB' from /system_stats."""
    system = stats.get("system") if isinstance(stats, dict) else None
    version = (system or {}).get("comfyui_version") or "(version unknown)"
    devices = stats.get("devices") if isinstance(stats, dict) else None
    device = devices[0] if isinstance(devices, list) and devices else None
    if not isinstance(device, dict):
        return f"ComfyUI {version}, no GPU reported"
    name = str(device.get("name") or device.get("type") or "device")
    name = name.split(" : ")[0]
    if ":" in name.split(" ")[0]:  # "cuda:0 NVIDIA ..." -> "NVIDIA ..."
        name = name.split(" ", 1)[-1]
    vram = device.get("vram_total")
    size = f" {vram / 1024**3:.0f} GB" if isinstance(vram, int | float) and vram else ""
    return f"ComfyUI {version}, {name}{size}"


def history_messages(status: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(m[0], m[1]) for m in status.get("messages") or []
            if isinstance(m, list) and len(m) == 2 and isinstance(m[1], dict)]


def seed_from(entry: Mapping[str, Any]) -> int | None:
    prompt = entry.get("prompt")
    extra = prompt[3] if isinstance(prompt, list) and len(prompt) > 3 else None
    ours = extra.get("provider_studio") if isinstance(extra, dict) else None
    seed = ours.get("seed") if isinstance(ours, dict) else None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:300]
