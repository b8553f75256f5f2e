"""ComfyUI server (local, or remote such as a RunPod pod): workflows as models.

Lifecycle: upload input images and the mask (/upload/image), POST /prompt with our client
id, progress from the /ws websocket (a listener per server, see comfy_progress),
/history/{id} as the source of truth and the fallback when the socket is down, outputs from
/view. Cancel reads /queue first: it deletes our pending prompt from the queue, or
interrupts only when our prompt is the running one, because older servers ignore the body of
POST /interrupt and stop whatever runs (server.py before the prompt_id argument).
Docs:
https://docs.comfy.org/development/comfyui-server/comms_routes
"""

from __future__ import annotations

import copy
import dataclasses
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx

from studio.providers.base import (
    SELF_HOSTED,
    Bill,
    Failed,
    FilePart,
    Health,
    InputImage,
    KeySpec,
    Kind,
    ModelInfo,
    ParamsBase,
    Pending,
    PollHint,
    PollResult,
    PreparedCall,
    Price,
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Role,
    Submitted,
    Succeeded,
)
from studio.providers.comfy_answers import (
    describe_execution_error,
    describe_rejection,
    describe_system,
    history_messages,
    json_or_text,
    output_files,
    seed_from,
)
from studio.providers.comfy_progress import ProgressSockets, PromptProgress
from studio.providers.comfy_workflows import (
    WorkflowTemplate,
    build_params_model,
    bundled_templates,
    parse_document,
    template_from_document,
)
from studio.providers.http import json_object, parse_json, raise_for_status, send
from studio.providers.info import ImageTransport

HEALTH_TIMEOUT = 5.0
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


OWN_SERVER = PriceSource("https://github.com/comfyanonymous/ComfyUI", "2026-11-21",
                         note="self-hosted: no per-job price")


def _free(_: Bill) -> Price:
    return Price(usd=0.0, approximate=True, source=OWN_SERVER,
                 basis="your own server: no per-job charge (a rented GPU bills by the hour)")


def upload_name(image: InputImage) -> str:
    """Content-addressed, so the same input is uploaded under the same name every time (a
    mask is named as one: LoadImageMask reads it from the same input folder)."""
    kind = "mask-" if image.role is Role.MASK else ""
    return f"studio-{kind}{image.sha256[:16]}{_EXTENSIONS.get(image.media_type, '.png')}"


def random_seed() -> int:
    return random.randrange(0, 2**32 - 1)


def model_for(template: WorkflowTemplate, params: type[ParamsBase]) -> ModelInfo:
    return ModelInfo(template.id, template.name, template.modes, params, _free,
                     template.capabilities(), template.description,
                     {"workflow": template.source})


async def send_keeping_errors(
    http: httpx.AsyncClient, method: str, url: str, what: str, **kwargs: Any
) -> httpx.Response:
    """Like http.send, but an HTTP error answer is returned for the caller to read."""
    return await send(http, method, url, what, keep_errors=True, **kwargs)


class ComfyUIProvider(Provider):
    info = ProviderInfo(
        id="comfyui",
        name="ComfyUI",
        kinds=(Kind.IMAGE, Kind.VIDEO),
        key=KeySpec(env=("COMFYUI_TOKEN",), keyring_entry="comfyui",
                    label="Bearer token (optional)"),
        docs_url="https://docs.comfy.org/development/comfyui-server/comms_routes",
        pricing_url="https://github.com/comfyanonymous/ComfyUI",
        default_base_url="http://127.0.0.1:8188",
        address_in_settings=True,
        notes="Your own server (local, or remote such as a RunPod pod): live whenever it "
              "answers /system_stats. Workflows are bundled or imported API-format JSON.",
        key_required=False,
        families=SELF_HOSTED,
        sandbox="studio.sandbox.comfyui:routes",
        price_sources=(OWN_SERVER,),
        image_transport=ImageTransport.INLINE,
    )
    poll_hint = PollHint(min_interval=0.25, max_interval=2.0)

    def __init__(self, env: Mapping[str, str] | None = None,
                 templates: Sequence[WorkflowTemplate] | None = None) -> None:
        super().__init__(env)
        self.client_id = uuid.uuid4().hex
        self.templates: dict[str, WorkflowTemplate] = {}
        self.models: dict[str, ModelInfo] = {}
        self.sockets = ProgressSockets(self.client_id)
        for template in bundled_templates() if templates is None else templates:
            self.add_workflow(template)

    # -- workflows -------------------------------------------------------------------------

    def add_workflow(self, template: WorkflowTemplate) -> ModelInfo:
        model = model_for(template, build_params_model(template))
        self.templates[template.id] = template
        self.models[template.id] = model
        return model

    def import_workflow(self, text: str | bytes, *, name: str,
                        workflow_id: str | None = None) -> ModelInfo:
        """Register an API-format workflow (or a template document) as a model."""
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "workflow"
        template = template_from_document(parse_document(text),
                                          default_id=workflow_id or f"imported/{slug}",
                                          source="imported", name=name)
        return self.add_workflow(template)

    def template(self, model_id: str) -> WorkflowTemplate:
        self.model(model_id)  # raises UnknownModel with the known ids
        return self.templates[model_id]

    # -- the calls -------------------------------------------------------------------------

    def _auth(self, ctx: ProviderContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.key}"} if ctx.key else {}

    def download_headers(self, ctx: ProviderContext) -> dict[str, str]:
        return self._auth(ctx)

    async def aclose(self) -> None:
        await self.sockets.close()

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        template = self.template(request.model)
        names = [upload_name(image) for image in images]
        mask = next((n for n, i in zip(names, images, strict=True) if i.role is Role.MASK),
                    None)
        seed = request.seed if request.seed is not None else random_seed()
        graph = template.apply(params.model_dump(mode="json"), prompt=request.prompt,
                               negative=request.negative_prompt, seed=seed,
                               images=[n for n in names if n != mask], mask=mask)
        studio: dict[str, Any] = {"workflow": template.id}
        if template.role("seed"):
            studio["seed"] = seed
        body = {"prompt": graph, "client_id": self.client_id,
                "extra_data": {"provider_studio": studio}}
        # The images travel with the call; submit() uploads them before posting the prompt.
        files = tuple(FilePart("image", name, image.media_type, image.data)
                      for name, image in zip(names, images, strict=True))
        return PreparedCall("POST", f"{ctx.base_url}/prompt",
                            {**self._auth(ctx), "Content-Type": "application/json"},
                            json_body=body, files=files)

    async def _upload(self, http: httpx.AsyncClient, ctx: ProviderContext,
                      part: FilePart) -> str:
        files = [("image", (part.filename, part.data, part.media_type)),
                 ("type", (None, "input")), ("overwrite", (None, "true"))]
        response = await send(http, "POST", f"{ctx.base_url}/upload/image",
                              "ComfyUI upload", files=files, headers=self._auth(ctx))
        body = parse_json(response, "ComfyUI upload")
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise ProviderError("ComfyUI upload: the answer had no file name",
                                code="malformed_response")
        subfolder = body.get("subfolder") or ""
        return f"{subfolder}/{name}" if subfolder else name

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        # Listen before posting so the first progress events are not missed.
        await self.sockets.connect(ctx.base_url, self._auth(ctx))
        body = copy.deepcopy(call.json_body)
        for part in call.files:
            uploaded = await self._upload(http, ctx, part)
            _rename_input(body["prompt"], part.filename, uploaded)
        posted = dataclasses.replace(call, json_body=body, files=())
        response = await send_keeping_errors(http, "POST", call.url, "ComfyUI prompt",
                                             **posted.send_kwargs())
        if response.status_code == 400:
            detail = describe_rejection(json_or_text(response))
            raise ProviderError(f"ComfyUI rejected the workflow (HTTP 400): {detail}",
                                status=400, code="invalid_prompt")
        raise_for_status(response, "ComfyUI prompt")
        answer = parse_json(response, "ComfyUI prompt")
        prompt_id = answer.get("prompt_id") if isinstance(answer, dict) else None
        if not isinstance(prompt_id, str) or not prompt_id:
            raise ProviderError("ComfyUI prompt: the answer had no prompt_id",
                                status=response.status_code, code="malformed_response")
        self.sockets.watch(ctx.base_url, prompt_id)
        return Submitted(RemoteHandle(prompt_id, {"history": f"{ctx.base_url}/history/"
                                                             f"{prompt_id}"}), raw=answer)

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        prompt_id = handle.remote_id
        socket = self.sockets.ensure(ctx.base_url, self._auth(ctx), prompt_id)
        progress = socket.prompts.get(prompt_id) if socket and socket.alive else None
        if progress is not None and progress.phase == "running":
            return _running(progress)
        if progress is not None and progress.phase == "finished":
            result = await self._history(http, ctx, prompt_id)
            if result is None:  # the socket can be a moment ahead of the history
                return Pending("running", progress=1.0, message="finishing")
            return self._done(ctx, prompt_id, result)
        # The socket knows nothing: ask the server (history first when the socket is down).
        if socket is None or not socket.alive:
            result = await self._history(http, ctx, prompt_id)
            if result is not None:
                return self._done(ctx, prompt_id, result)
        where = await self._queue_place(http, ctx, prompt_id)
        if where is not None:
            return where
        result = await self._history(http, ctx, prompt_id)
        if result is not None:
            return self._done(ctx, prompt_id, result)
        self.sockets.forget(ctx.base_url, prompt_id)
        return Failed("ComfyUI: the prompt is neither queued nor in the history (was the "
                      "server restarted or the queue cleared?)", code="lost")

    def _done(self, ctx: ProviderContext, prompt_id: str, result: PollResult) -> PollResult:
        self.sockets.forget(ctx.base_url, prompt_id)
        return result

    async def _history(self, http: httpx.AsyncClient, ctx: ProviderContext,
                       prompt_id: str) -> Succeeded | Failed | None:
        response = await send(http, "GET", f"{ctx.base_url}/history/{prompt_id}",
                              "ComfyUI history", headers=self._auth(ctx))
        body = parse_json(response, "ComfyUI history")
        entry = body.get(prompt_id) if isinstance(body, dict) else None
        if not isinstance(entry, dict):
            return None
        status = json_object(entry.get("status"))
        if status.get("status_str") == "error":
            for event, data in history_messages(status):
                if event == "execution_interrupted":
                    return Failed("ComfyUI: the prompt was interrupted", code="cancelled",
                                  raw=entry)
                if event == "execution_error":
                    return Failed(describe_execution_error(data), code="execution_error",
                                  raw=entry)
            return Failed("ComfyUI: the prompt failed without details", code="execution_error",
                          raw=entry)
        if status and not status.get("completed", True):
            return None
        files = output_files(entry.get("outputs"))
        if not files:
            return Failed("ComfyUI: the workflow finished without saving any output (does it "
                          "have a SaveImage or SaveVideo node?)", code="no_output", raw=entry)
        outputs = [RemoteOutput(url=f"{ctx.base_url}/view?{urlencode(f)}",
                                filename=f["filename"], needs_auth=True) for f in files]
        return Succeeded(outputs=outputs, seed=seed_from(entry), raw=entry)

    async def _queue(self, http: httpx.AsyncClient, ctx: ProviderContext
                     ) -> tuple[list[str], list[str]]:
        """(running prompt ids, pending prompt ids in queue order)."""
        response = await send(http, "GET", f"{ctx.base_url}/queue", "ComfyUI queue",
                              headers=self._auth(ctx))
        body = parse_json(response, "ComfyUI queue")
        body = body if isinstance(body, dict) else {}

        def ids(key: str) -> list[str]:
            items = [i for i in body.get(key) or [] if isinstance(i, list) and len(i) > 1]
            items.sort(key=lambda i: i[0] if isinstance(i[0], int | float) else 0)
            return [str(i[1]) for i in items]

        return ids("queue_running"), ids("queue_pending")

    async def _queue_place(self, http: httpx.AsyncClient, ctx: ProviderContext,
                           prompt_id: str) -> Pending | None:
        running, pending = await self._queue(http, ctx)
        if prompt_id in running:
            return Pending("running")
        if prompt_id in pending:
            ahead = pending.index(prompt_id) + len(running)
            return Pending("queued", queue_position=ahead,
                           message=f"{ahead} prompt(s) ahead on the server" if ahead else None)
        return None

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        """Delete our pending prompt, or interrupt it if it is the one running; never
        interrupt another client's prompt."""
        prompt_id = handle.remote_id
        self.sockets.forget(ctx.base_url, prompt_id)
        running, pending = await self._queue(http, ctx)
        if prompt_id in pending:
            await send(http, "POST", f"{ctx.base_url}/queue", "ComfyUI queue delete",
                       json={"delete": [prompt_id]}, headers=self._auth(ctx))
            return True
        if prompt_id in running:
            # Newer servers interrupt only the prompt named here, closing the race where
            # ours ends and another starts between the two requests.
            await send(http, "POST", f"{ctx.base_url}/interrupt", "ComfyUI interrupt",
                       json={"prompt_id": prompt_id}, headers=self._auth(ctx))
            return True
        return False

    async def health(self, http: httpx.AsyncClient, ctx: ProviderContext) -> Health | None:
        response = await send(http, "GET", f"{ctx.base_url}/system_stats", "ComfyUI",
                              headers=self._auth(ctx), timeout=HEALTH_TIMEOUT)
        stats = parse_json(response, "ComfyUI system_stats")
        return Health(True, describe_system(stats))

    def server_choice_fields(self, model_id: str) -> tuple[str, ...]:
        """Form fields that pick a model file (ckpt_name, unet_name, ...) the server has."""
        template = self.template(model_id)
        return tuple(p.name for p in template.params
                     if p.role is None and p.type == "str" and p.targets[0][1].endswith("_name"))

    async def server_choices(self, http: httpx.AsyncClient, ctx: ProviderContext,
                             model_id: str, field: str) -> list[str]:
        return await self.input_choices(http, ctx, model_id, field)

    async def input_choices(self, http: httpx.AsyncClient, ctx: ProviderContext,
                            model_id: str, param: str = "checkpoint") -> list[str]:
        """The values the server offers for a template parameter (e.g. its checkpoints),
        from /object_info of the node class the parameter targets."""
        template = self.template(model_id)
        spec = next((p for p in template.params if p.name == param), None)
        if spec is None:
            raise ProviderError(f"{template.name} has no parameter {param!r}", code="unknown")
        node_id, input_name = spec.targets[0]
        return await self.node_choices(http, ctx, template.graph[node_id]["class_type"],
                                       input_name)

    async def node_choices(self, http: httpx.AsyncClient, ctx: ProviderContext,
                           class_type: str, input_name: str) -> list[str]:
        response = await send(http, "GET", f"{ctx.base_url}/object_info/{class_type}",
                              "ComfyUI object_info", headers=self._auth(ctx))
        info = parse_json(response, "ComfyUI object_info")
        node = info.get(class_type) if isinstance(info, dict) else None
        inputs = node.get("input") if isinstance(node, dict) else None
        for group in ("required", "optional"):
            spec = (inputs or {}).get(group, {}).get(input_name)
            if isinstance(spec, list) and spec:
                if isinstance(spec[0], list):  # the classic combo: [[choices], {options}]
                    return [str(c) for c in spec[0]]
                if spec[0] == "COMBO" and len(spec) > 1 and isinstance(spec[1], dict):
                    return [str(c) for c in spec[1].get("options") or []]
        return []


def _running(progress: PromptProgress) -> Pending:
    fraction = message = None
    if progress.value is not None and progress.maximum:
        fraction = min(1.0, progress.value / progress.maximum)
        message = f"step {progress.value}/{progress.maximum}"
    return Pending("running", progress=fraction, message=message)


def _rename_input(graph: dict[str, Any], placeholder: str, uploaded: str) -> None:
    for node in graph.values():
        inputs = node.get("inputs", {})
        for key, value in inputs.items():
            if value == placeholder:
                inputs[key] = uploaded


PROVIDER = ComfyUIProvider
