"""ComfyUI server under /comfyui (stands in for http://127.0.0.1:8188), websocket included.

One prompt runs at a time, in real time (the sandbox clock does not apply): the worker
sends execution_start, executing, progress and executed over /ws to the prompt's client,
then execution_success, writes /history, then executing(null), as ComfyUI does. Faults:
`ws_drop` closes the client's socket after `after` progress messages; `foreign_prompt`
queues another client's prompt (running `seconds`) ahead of the next one posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import comfyui_nodes as nodes
from . import edits
from .formdata import FormDataError, parse_form
from .gateway import Dialect, provider_route, unknown_route
from .jobs import OutputSpec
from .keyframes import animate
from .sizes import cap_video
from .state import SandboxState

PROVIDER = "comfyui"
MAX_PROGRESS_MESSAGES = 50
MAX_BATCH = 8


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": {"type": "error", "message": message, "details": "",
                                   "extra_info": {}}, "node_errors": {}}, status_code=status)


def _authorize(request: Request) -> Response | None:
    """No auth by default, like ComfyUI; a token, when sent, must be a Bearer token."""
    value = request.headers.get("authorization")
    scheme, _, token = (value or "").partition(" ")
    if value is not None and (scheme != "Bearer" or not token.strip()):
        return JSONResponse({"error": "Unauthorized"}, status_code=401)
    return None


DIALECT = Dialect(PROVIDER, _authorize, _error)


@dataclass
class QueuedPrompt:
    number: int
    prompt_id: str
    client_id: str
    graph: dict[str, Any]
    extra_data: dict[str, Any]
    outputs: list[str]
    run_seconds: float
    interrupted: bool = False
    generation: int = 0  # the server's reset count when it was queued

    def item(self) -> list[Any]:
        return [self.number, self.prompt_id, self.graph, self.extra_data, self.outputs]


@dataclass
class ComfyServer:
    state: SandboxState
    pending: list[QueuedPrompt] = field(default_factory=list)
    running: QueuedPrompt | None = None
    history: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, bytes] = field(default_factory=dict)
    saved: dict[tuple[str, str, str], str] = field(default_factory=dict)
    sockets: defaultdict[str, set[WebSocket]] = field(default_factory=lambda: defaultdict(set))
    numbers: Any = field(default_factory=itertools.count)
    file_numbers: Any = field(default_factory=lambda: itertools.count(1))
    worker: asyncio.Task[None] | None = None
    generation: int = 0
    # An older server: POST /interrupt ignores its body and stops whatever is running.
    legacy_interrupt: bool = False

    def reset(self) -> None:
        self.generation += 1
        self.legacy_interrupt = False
        if self.running is not None:
            self.running.interrupted = True
        self.pending.clear()
        self.history.clear()
        self.inputs.clear()
        self.saved.clear()

    def reset_credits(self) -> None:
        """ComfyUI has no credits."""

    # -- the queue --------------------------------------------------------------------------

    def enqueue(self, prompt: QueuedPrompt) -> None:
        prompt.generation = self.generation
        self.pending.append(prompt)
        if self.worker is None or self.worker.done():
            self.worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        while self.pending:
            prompt = self.running = self.pending.pop(0)
            try:
                await self._execute(prompt)
            finally:
                self.running = None
            await self._broadcast_status()

    def remaining(self) -> int:
        return len(self.pending) + (self.running is not None)

    async def _send(self, client_id: str, kind: str, data: dict[str, Any]) -> None:
        for ws in list(self.sockets.get(client_id, ())):
            try:
                await ws.send_json({"type": kind, "data": data})
            except Exception:  # the client went away
                self.sockets[client_id].discard(ws)

    async def _broadcast_status(self) -> None:
        data = {"status": {"exec_info": {"queue_remaining": self.remaining()}}}
        for client_id in list(self.sockets):
            await self._send(client_id, "status", data)

    async def _drop(self, client_id: str) -> None:
        for ws in list(self.sockets.pop(client_id, ())):
            with contextlib.suppress(Exception):
                await ws.close(code=1011)

    # -- running one prompt -----------------------------------------------------------------

    async def _execute(self, prompt: QueuedPrompt) -> None:
        faults = self.state.faults
        foreign = prompt.client_id == FOREIGN_CLIENT
        drop = None if foreign else faults.take("ws_drop", PROVIDER)
        fail = None if foreign else faults.take("fail_next", PROVIDER)
        plan = nodes.plan(prompt.graph, prompt.outputs, self._image_size)
        messages: list[list[Any]] = []
        executed: list[str] = []
        outputs: dict[str, Any] = {}

        async def emit(kind: str, data: dict[str, Any], keep: bool = False) -> None:
            data = {**data, "prompt_id": prompt.prompt_id}
            if keep:
                data["timestamp"] = int(time.time() * 1000)
                messages.append([kind, data])
            await self._send(prompt.client_id, kind, data)

        await emit("execution_start", {}, keep=True)
        await emit("execution_cached", {"nodes": []}, keep=True)
        steps = max(1, plan.steps)
        stride = max(1, -(-steps // MAX_PROGRESS_MESSAGES))
        sent = 0
        outcome = "success"
        for node_id in plan.order:
            class_type = prompt.graph[node_id]["class_type"]
            await emit("executing", {"node": node_id, "display_node": node_id})
            if node_id == plan.sampler:
                for value in range(stride, steps + stride, stride):
                    await asyncio.sleep(prompt.run_seconds * 0.8 * stride / steps)
                    if prompt.interrupted:
                        break
                    await emit("progress", {"value": min(value, steps), "max": steps,
                                            "node": node_id})
                    sent += 1
                    if drop is not None and sent == int(drop.options.get("after", 1)):
                        await self._drop(prompt.client_id)
                    if fail is not None:
                        break
            else:
                await asyncio.sleep(prompt.run_seconds * 0.2 / max(1, len(plan.order)))
            info = {"node_id": node_id, "node_type": class_type, "executed": list(executed)}
            if prompt.interrupted:
                outcome = "execution_interrupted"
                await emit(outcome, info, keep=True)
                break
            if fail is not None and node_id == plan.sampler:
                outcome = "execution_error"
                message = fail.options.get("message", "Allocation on device (sandbox fault)")
                await emit(outcome, {**info, "exception_type": "torch.OutOfMemoryError",
                                     "exception_message": message, "traceback": [],
                                     "current_inputs": {}, "current_outputs": {}}, keep=True)
                break
            output = next((o for o in plan.outputs if o.node_id == node_id), None)
            if output is not None:
                result = self._save(prompt, plan, output)
                outputs[node_id] = result
                await emit("executed", {"node": node_id, "display_node": node_id,
                                        "output": result})
            executed.append(node_id)
        if outcome == "success":
            await emit("execution_success", {}, keep=True)
        if prompt.generation != self.generation:
            return  # the sandbox was reset meanwhile
        self.history[prompt.prompt_id] = {
            "prompt": prompt.item(), "outputs": outputs if outcome == "success" else {},
            "status": {"status_str": "success" if outcome == "success" else "error",
                       "completed": outcome == "success", "messages": messages},
            "meta": {nid: {"node_id": nid, "display_node": nid, "parent_node": None,
                           "real_node_id": nid} for nid in outputs},
        }
        await emit("executing", {"node": None})

    def _save(self, prompt: QueuedPrompt, plan: nodes.RenderPlan,
              output: nodes.SavedOutput) -> dict[str, Any]:
        subfolder, _, base = output.prefix.rpartition("/")
        kind = "temp" if output.kind == "preview" else "output"
        config = self.state.config
        files = []
        count = 1 if output.kind == "video" else min(plan.batch, MAX_BATCH)
        for index in range(count):
            number = next(self.file_numbers)
            if output.kind == "video":
                filename = f"{base}_{number:05d}_.mp4"
                width, height = cap_video(plan.width, plan.height, config.max_video_side)
                fps = max(1, round(plan.fps))
                spec = OutputSpec(filename, plan.prompt, plan.seed, width, height, "mp4",
                                  (plan.frames or 1) / fps, fps)
                start = self.inputs.get(plan.start_upload) if plan.start_upload else None
                spec = animate(spec, self.state, start)
            else:
                filename = f"{base}_{number:05d}_.png"
                side = config.max_image_side
                spec = OutputSpec(filename, plan.prompt, plan.seed + index,
                                  min(plan.width, side), min(plan.height, side), "png")
            stored = f"comfyui-{prompt.prompt_id}-{number}-{filename.replace('/', '_')}"
            produce = spec.produce
            if plan.inpaint is not None and output.kind != "video":
                produce = self._inpainter(plan, index)
            self.state.files.register(stored, spec.content_type, produce, PROVIDER)
            self.saved[(kind, subfolder, filename)] = stored
            files.append({"filename": filename, "subfolder": subfolder, "type": kind})
        return {"images": files, "animated": [True]} if output.kind == "video" else {
            "images": files}

    def _inpainter(self, plan: nodes.RenderPlan, index: int) -> Any:
        """The uploaded image with its masked area repainted (VAEEncodeForInpaint)."""
        assert plan.inpaint is not None
        image, mask, channel, grow = plan.inpaint
        image_data, mask_data = self.inputs[image], self.inputs[mask]
        return lambda: edits.inpaint(image_data, mask_data, plan.prompt, plan.seed + index,
                                     grow=grow, channel=channel)

    def _image_size(self, name: str) -> tuple[int, int] | None:
        data = self.inputs.get(name)
        if data is None:
            return None
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.size
        except (UnidentifiedImageError, OSError):
            return None


FOREIGN_CLIENT = "someone-else"
class _Handshake:
    """What the recorder reads from a request, taken from a websocket handshake."""

    method = "GET"

    def __init__(self, websocket: WebSocket) -> None:
        self.url, self.headers = websocket.url, websocket.headers
        self.query_params = websocket.query_params


def routes(state: SandboxState, server: ComfyServer | None = None) -> list[BaseRoute]:
    """The server's routes; a server of its own (a RunPod pod's) is not the /comfyui one."""
    if server is None:
        server = state.extensions[PROVIDER] = ComfyServer(state)

    async def system_stats(request: Request, body: bytes) -> Response:
        return JSONResponse(nodes.SYSTEM_STATS)

    async def get_object_info(request: Request, body: bytes) -> Response:
        class_type = request.path_params.get("node_class")
        return JSONResponse(nodes.object_info(list(server.inputs), class_type))

    async def upload_image(request: Request, body: bytes) -> Response:
        try:
            form = parse_form(body, request.headers.get("content-type", ""))
        except FormDataError as exc:
            return Response(str(exc), status_code=400)
        part = form.file("image")
        if part is None:
            return Response(status_code=400)
        subfolder = form.fields.get("subfolder", "").strip("/")
        name = os.path.basename(part.filename) or "upload.png"
        stem, ext = os.path.splitext(name)
        overwrite = form.fields.get("overwrite", "").lower() in ("true", "1")
        key = lambda n: f"{subfolder}/{n}" if subfolder else n  # noqa: E731
        copy = 1
        while key(name) in server.inputs and not overwrite:
            name, copy = f"{stem} ({copy}){ext}", copy + 1
        server.inputs[key(name)] = part.data
        return JSONResponse({"name": name, "subfolder": subfolder, "type": "input"})

    async def post_prompt(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Invalid JSON body")
        if not isinstance(payload, dict) or "prompt" not in payload:
            return JSONResponse({"error": {"type": "no_prompt", "message": "No prompt provided",
                                           "details": "", "extra_info": {}},
                                 "node_errors": {}}, status_code=400)
        graph = payload["prompt"]
        outputs, rejection = nodes.validate(graph, set(server.inputs))
        if rejection is not None:
            return JSONResponse(rejection, status_code=400)
        run_seconds = state.timing().run_seconds
        foreign = state.faults.take("foreign_prompt", PROVIDER)
        if foreign is not None:
            seconds = float(foreign.options.get("seconds", run_seconds))
            server.enqueue(QueuedPrompt(next(server.numbers), str(uuid.uuid4()), FOREIGN_CLIENT,
                                        nodes.FOREIGN_GRAPH, {}, ["6"], seconds))
        prompt_id = str(payload.get("prompt_id") or uuid.uuid4())
        extra = payload.get("extra_data") if isinstance(payload.get("extra_data"), dict) else {}
        queued = QueuedPrompt(next(server.numbers), prompt_id, str(payload.get("client_id", "")),
                              graph, extra, outputs, run_seconds)
        server.enqueue(queued)
        await server._broadcast_status()
        return JSONResponse({"prompt_id": prompt_id, "number": queued.number,
                             "node_errors": {}})

    async def get_prompt(request: Request, body: bytes) -> Response:
        return JSONResponse({"exec_info": {"queue_remaining": server.remaining()}})

    async def get_queue(request: Request, body: bytes) -> Response:
        running = [server.running.item()] if server.running else []
        return JSONResponse({"queue_running": running,
                             "queue_pending": [p.item() for p in server.pending]})

    async def post_queue(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _error(400, "Invalid JSON body")
        if isinstance(payload, dict) and payload.get("clear"):
            server.pending.clear()
        if isinstance(payload, dict) and isinstance(payload.get("delete"), list):
            doomed = set(map(str, payload["delete"]))
            server.pending[:] = [p for p in server.pending if p.prompt_id not in doomed]
        return Response(status_code=200)

    async def interrupt(request: Request, body: bytes) -> Response:
        try:
            payload = json.loads(body) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            payload = {}
        target = payload.get("prompt_id") if isinstance(payload, dict) else None
        running = server.running
        if running is not None and (server.legacy_interrupt
                                    or target in (None, running.prompt_id)):
            running.interrupted = True
        return Response(status_code=200)

    async def get_history(request: Request, body: bytes) -> Response:
        prompt_id = request.path_params.get("prompt_id")
        if prompt_id is not None:
            entry = server.history.get(prompt_id)
            return JSONResponse({prompt_id: entry} if entry else {})
        limit = request.query_params.get("max_items")
        items = list(server.history.items())
        if limit and limit.isdigit():
            items = items[-int(limit):]
        return JSONResponse(dict(items))

    async def view(request: Request, body: bytes) -> Response:
        query = request.query_params
        kind, subfolder = query.get("type", "output"), query.get("subfolder", "")
        filename = query.get("filename", "")
        if kind == "input":
            data = server.inputs.get(f"{subfolder}/{filename}" if subfolder else filename)
            if data is None:
                return Response(status_code=404)
            return Response(data, media_type="image/png")
        stored = state.files.get(server.saved.get((kind, subfolder, filename), ""))
        if stored is None:
            return Response(status_code=404)
        return Response(await state.files.render(stored), media_type=stored.content_type)

    async def websocket(websocket: WebSocket) -> None:
        record = state.recorder.record(PROVIDER, _Handshake(websocket), b"",  # type: ignore[arg-type]
                                       state.clock.iso(state.clock.now()))
        client_id = websocket.query_params.get("clientId") or uuid.uuid4().hex
        await websocket.accept()
        record["status"] = 101
        server.sockets[client_id].add(websocket)
        try:
            await websocket.send_json({"type": "status", "data": {
                "status": {"exec_info": {"queue_remaining": server.remaining()}},
                "sid": client_id}})
            while True:
                await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            server.sockets.get(client_id, set()).discard(websocket)

    def route(path: str, handler: Any, method: str, poll: bool = False) -> Route:
        return provider_route(state, DIALECT, path, handler, [method], is_poll=poll)

    return [
        route("/system_stats", system_stats, "GET"),
        route("/object_info", get_object_info, "GET"),
        route("/object_info/{node_class}", get_object_info, "GET"),
        route("/upload/image", upload_image, "POST"),
        route("/prompt", post_prompt, "POST"),
        route("/prompt", get_prompt, "GET"),
        route("/queue", get_queue, "GET", poll=True),
        route("/queue", post_queue, "POST"),
        route("/interrupt", interrupt, "POST"),
        route("/history", get_history, "GET", poll=True),
        route("/history/{prompt_id}", get_history, "GET", poll=True),
        route("/view", view, "GET"),
        WebSocketRoute("/ws", websocket),
        unknown_route(state, DIALECT, "See /prompt, /queue, /history/{id}, /view, /ws."),
    ]


def admin_routes(state: SandboxState) -> list[BaseRoute]:
    """GET or POST {"legacy_interrupt": bool} at /_sandbox/comfyui."""

    async def switches(request: Request) -> Response:
        server = state.extensions[PROVIDER]
        assert isinstance(server, ComfyServer)
        if request.method == "POST":
            try:
                spec = json.loads(await request.body() or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                return JSONResponse({"error": "body must be JSON"}, status_code=400)
            value = spec.get("legacy_interrupt") if isinstance(spec, dict) else None
            if not isinstance(value, bool):
                return JSONResponse({"error": "expected {\"legacy_interrupt\": true|false}"},
                                    status_code=400)
            server.legacy_interrupt = value
        return JSONResponse({"legacy_interrupt": server.legacy_interrupt})

    return [Route("/_sandbox/comfyui", switches, methods=["GET", "POST"])]
