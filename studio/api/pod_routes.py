"""/api/pods: the artist's RunPod pods (status, GPU, uptime, cost so far, the ComfyUI
server each one backs, and what they cost together per hour), and Stop.

The API can lower what pods cost but never raise it: creating, starting and restarting a
pod are paid and stay with the app and `studio-cli pods`, where the price is shown and
confirmed. Stop is recorded like any pod action (a dry-run when the family is off or no
RunPod key is set: the exact request, nothing sent). Keys never appear in an answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.requests import Request
from starlette.responses import Response

from studio.api.openapi import Operation
from studio.api.routes import ApiError, _ctx, reply
from studio.core.pods.service import PodsService
from studio.providers.base import ProviderError
from studio.providers.runpod_pods import check_pod_id


class PodList(BaseModel):
    model_config = ConfigDict(extra="allow")

    pods: list[dict[str, Any]]
    running: dict[str, Any]


class PodOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    status: str


class PodActionOut(BaseModel):
    """The action as recorded: live or dry-run, the request, RunPod's answer or the error."""

    model_config = ConfigDict(extra="allow")

    id: str
    action: str
    pod_id: str
    live: bool
    dry_run: bool


def _pod_id(request: Request) -> str:
    try:
        return check_pod_id(request.path_params["pod_id"])
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None


def _pods(request: Request) -> PodsService:
    """The pods service, when a RunPod key is there to ask RunPod with (409 if not)."""
    pods = _ctx(request).studio.pods
    if not pods.key():
        raise ApiError(409, "no RunPod key: add it in Settings › Keys or with "
                            "`studio-cli keys set runpod`")
    return pods


def _service_error(exc: ProviderError) -> ApiError:
    return ApiError(404 if exc.status == 404 else 502, f"RunPod: {exc.message}")


async def list_pods(request: Request) -> Response:
    pods = _pods(request)
    try:
        views = await pods.pods()
    except ProviderError as exc:
        raise _service_error(exc) from None
    return reply(request, {"pods": [v.as_dict() for v in views],
                           "running": pods.running_cost().as_dict()})


async def show_pod(request: Request) -> Response:
    pod_id = _pod_id(request)
    pods = _pods(request)
    try:
        view = await pods.show(pod_id)
    except ProviderError as exc:
        raise _service_error(exc) from None
    return reply(request, view.as_dict())


async def stop_pod(request: Request) -> Response:
    pods = _ctx(request).studio.pods
    row = await pods.act(_pod_id(request), "stop")
    data = row.as_dict()
    if data.get("error"):
        raise ApiError(502, f"The pod was not stopped: {data['error']}")
    return reply(request, data)


POD_OPERATIONS: list[Operation] = [
    Operation("GET", "/api/pods", list_pods, "Your RunPod pods: status, GPU, uptime, cost "
              "so far, their ComfyUI server; and what the running ones cost per hour",
              PodList, errors=(409, 502), tag="pods"),
    Operation("GET", "/api/pods/{pod_id}", show_pod, "One pod", PodOut,
              errors=(404, 409, 422, 502), tag="pods"),
    Operation("POST", "/api/pods/{pod_id}/stop", stop_pod, "Stop a pod (billing for its GPU "
              "stops; its volume stays). Paid actions (create, start, restart) are not in "
              "the API", PodActionOut, errors=(422, 502), tag="pods"),
]
