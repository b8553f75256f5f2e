"""/_sandbox/... admin routes, /files/{name} and /health."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import s3
from .cut import maybe_cut
from .faults import CREDIT_KEYS, FaultError
from .jobs import Phase
from .state import SandboxState

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _bad_request(message: str) -> Response:
    return JSONResponse({"error": message}, status_code=400)


async def _json_body(request: Request) -> Any:
    body = await request.body()
    return json.loads(body) if body.strip() else {}


def routes(state: SandboxState) -> list[Route]:
    recorded = (*state.faults.providers, s3.PROVIDER)

    def _provider_filter(request: Request) -> str | None:
        provider = request.query_params.get("provider")
        if provider is not None and provider not in recorded:
            raise FaultError(f"provider must be one of {recorded}")
        return provider

    def fault_report() -> dict[str, Any]:
        return {
            **state.faults.describe(),
            "runway_credits": state.ledger.runway,
            "stability_credits": state.ledger.stability,
            "luma_credits": state.ledger.luma,
        }

    async def get_faults(request: Request) -> Response:
        return JSONResponse(fault_report())

    async def set_faults(request: Request) -> Response:
        try:
            spec = await _json_body(request)
            if not isinstance(spec, dict):
                raise FaultError("faults must be a JSON object")
            credits = {key: spec[key] for key in CREDIT_KEYS if key in spec}
            for key, value in credits.items():
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise FaultError(f"{key} must be a number >= 0")
            state.faults.apply(spec)
            if "runway_credits" in credits:
                state.ledger.set(runway=int(credits["runway_credits"]))
            if "stability_credits" in credits:
                state.ledger.set(stability=float(credits["stability_credits"]))
            if "luma_credits" in credits:
                state.ledger.set(luma=float(credits["luma_credits"]))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _bad_request("body must be JSON")
        except FaultError as exc:
            return _bad_request(str(exc))
        return JSONResponse(fault_report())

    async def clear_faults(request: Request) -> Response:
        state.faults.clear()
        state.reset_credits()
        return JSONResponse(fault_report())

    async def get_requests(request: Request) -> Response:
        try:
            return JSONResponse(state.recorder.list(_provider_filter(request)))
        except FaultError as exc:
            return _bad_request(str(exc))

    async def clear_requests(request: Request) -> Response:
        state.recorder.clear()
        state.downloads.clear()
        return Response(status_code=204)

    async def get_downloads(request: Request) -> Response:
        try:
            return JSONResponse(state.downloads.list(_provider_filter(request)))
        except FaultError as exc:
            return _bad_request(str(exc))

    async def get_jobs(request: Request) -> Response:
        try:
            provider = _provider_filter(request)
        except FaultError as exc:
            return _bad_request(str(exc))
        now = state.clock.now()
        jobs = [
            {
                "id": job.id,
                "provider": job.provider,
                "route": job.route,
                "phase": str(job.phase(now)),
                "progress": round(job.progress(now), 3),
                "created_at": state.clock.iso(job.created_at),
                # When the job ends (or ended), as a Unix time: benchmarks measure against it.
                "finishes_at_wall": state.clock.wall(job.finishes_at).timestamp(),
                "outputs": [output.name for output in job.outputs],
                # What was asked (the first output's prompt): tells duplicates apart.
                "prompt": job.outputs[0].prompt if job.outputs else None,
                "charged": job.phase(now) is Phase.SUCCEEDED,
            }
            for job in state.jobs.all(provider)
        ]
        return JSONResponse(jobs)

    def clock_report() -> dict[str, Any]:
        return {"now": state.clock.now(), "frozen": state.clock.frozen}

    async def get_clock(request: Request) -> Response:
        return JSONResponse(clock_report())

    async def set_clock(request: Request) -> Response:
        try:
            spec = await _json_body(request)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _bad_request("body must be JSON")
        if not isinstance(spec, dict) or set(spec) - {"freeze", "resume", "advance"}:
            return _bad_request('expected {"freeze": true} | {"resume": true} | {"advance": s}')
        if spec.get("freeze"):
            state.clock.freeze()
        advance = spec.get("advance", 0)
        if isinstance(advance, bool) or not isinstance(advance, int | float) or advance < 0:
            return _bad_request("advance must be a number of seconds >= 0")
        state.clock.advance(float(advance))
        if spec.get("resume"):
            state.clock.resume()
        return JSONResponse(clock_report())

    async def reset(request: Request) -> Response:
        state.reset()
        return Response(status_code=204)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "sandbox": True,
                             "providers": list(state.faults.providers)})

    async def serve_file(request: Request) -> Response:
        stored = state.files.get(request.path_params["name"])
        if stored is None:
            return JSONResponse({"error": "File not found"}, status_code=404)
        data = await state.files.render(stored)
        if request.headers.get("range") is None:
            cut = maybe_cut(state.faults, stored.provider, data, stored.content_type)
            state.downloads.add(stored.name, stored.provider,
                                "whole" if cut is None else "cut")
            if cut is not None:
                return cut
        return _ranged(request, data, stored.content_type)

    return [
        Route("/health", health, methods=["GET"]),
        Route("/files/{name}", serve_file, methods=["GET"]),
        Route("/_sandbox/faults", get_faults, methods=["GET"]),
        Route("/_sandbox/faults", set_faults, methods=["POST"]),
        Route("/_sandbox/faults", clear_faults, methods=["DELETE"]),
        Route("/_sandbox/requests", get_requests, methods=["GET"]),
        Route("/_sandbox/requests", clear_requests, methods=["DELETE"]),
        Route("/_sandbox/downloads", get_downloads, methods=["GET"]),
        Route("/_sandbox/jobs", get_jobs, methods=["GET"]),
        Route("/_sandbox/clock", get_clock, methods=["GET"]),
        Route("/_sandbox/clock", set_clock, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]


def _ranged(request: Request, data: bytes, content_type: str) -> Response:
    """The whole file, or one byte range of it (video players seek with Range requests)."""
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=86400"}
    wanted = request.headers.get("range")
    match = _RANGE.match(wanted.strip()) if wanted else None
    if wanted is None or match is None or match.groups() == ("", ""):
        return Response(data, media_type=content_type, headers=headers)
    first, last = match.groups()
    size = len(data)
    if first:
        start, end = int(first), min(int(last) if last else size - 1, size - 1)
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(b"", status_code=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(
        data[start : end + 1], status_code=206, media_type=content_type, headers=headers
    )
