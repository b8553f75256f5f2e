"""Adobe Firefly Services v3: an IMS client-credentials token, then generate-async + statusUrl.

Docs: https://developer.adobe.com/firefly-services/docs/firefly-api/ . Firefly Services is an
enterprise product: it needs a Firefly Services entitlement on an Adobe Developer Console
org, so the provider stays `disabled` until Settings > compliance says the workspace has it.

Credentials are an OAuth server-to-server pair, but a studio key is one secret, so:
- keyring entry `firefly` holds `client_id:client_secret` (paste both, joined by a colon);
- or env `FIREFLY_CLIENT_SECRET` holds the secret and `FIREFLY_CLIENT_ID` the id (the id is
  read from the process environment; the secret may also be given as `id:secret`).
The client id is not secret (it travels as `x-api-key`), the secret only goes to IMS.

IMS tokens (24 h) are cached per credentials and IMS URL until 5 minutes before expiry.
The IMS URL is `https://ims-na1.adobelogin.com/ims/token/v3`; env `STUDIO_FIREFLY_IMS_URL`
overrides it, and with a loopback base URL (the sandbox, a local emulator) it is
`<base>/ims/token/v3`. Job status values are unconfirmed first-party (third-party pages say
pending/running/succeeded/failed), so they are read case-insensitively. There is no
published per-image price and no balance endpoint. Fill and expand: firefly_edit.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import httpx
from pydantic import Field

from studio.providers.base import (
    Capabilities,
    Failed,
    InputImage,
    KeySpec,
    Kind,
    Mode,
    ModelInfo,
    ParamsBase,
    Pending,
    PollHint,
    PollResult,
    PreparedCall,
    PriceSource,
    Provider,
    ProviderContext,
    ProviderError,
    ProviderInfo,
    RemoteHandle,
    RemoteOutput,
    RenderRequest,
    Submitted,
    Succeeded,
    params_as,
    unpriced,
)
from studio.providers.firefly_edit import build_edit, edit_models, edit_problems, with_uploads
from studio.providers.firefly_ims import IMS_URL, Credentials, TokenCache
from studio.providers.http import (
    check_base_url,
    is_loopback_host,
    parse_json,
    raise_for_status,
    send,
)
from studio.providers.info import ComplianceGate, ImageTransport

CLIENT_ID_ENV = "FIREFLY_CLIENT_ID"
IMS_URL_ENV = "STUDIO_FIREFLY_IMS_URL"
SANDBOX_CLIENT_ID = "sandbox-client-id"
# Shown in dry-run records where the real token is fetched only at submit time.
TOKEN_PLACEHOLDER = "<IMS access token>"
CLIENT_ID_PLACEHOLDER = "<FIREFLY_CLIENT_ID>"

DISABLED_REASON = ("Firefly Services needs an enterprise entitlement on an Adobe Developer "
                   "Console org; turn on Settings › compliance once your workspace has it "
                   "(compliance.firefly)")
PRICING = PriceSource("https://business.adobe.com/products/firefly-business/"
                      "firefly-services.html", "2026-11-21", first_party=True,
                      note="enterprise agreements; no per-image API price")

# Sizes Firefly documents for its image models (width x height); 2048x2048 is the default.
Size = Literal["2048x2048", "2304x1792", "1792x2304", "2688x1536"]


class FireflyParams(ParamsBase):
    modelVersion: Literal["image3", "image4_standard", "image4_ultra"] | None = Field(
        None, description="x-model-version header; empty = Adobe's default model")
    numVariations: int = Field(1, ge=1, le=4, description="Images per request")
    size: Size = Field("2048x2048", description="Output size (width x height)")
    contentClass: Literal["photo", "art"] | None = Field(None, description="Photo or art look")
    visualIntensity: int | None = Field(None, ge=2, le=10,
                                        description="Overall intensity of the look (2-10)")
    stylePresets: str = Field("", description="Comma-separated style preset ids "
                                              "(e.g. watercolor, photo)")
    styleStrength: int | None = Field(None, ge=0, le=100, description="Strength of the style "
                                                                      "presets (0-100)")


_price = unpriced("Firefly Services is licensed per enterprise agreement; Adobe publishes no "
                  "per-image API price", PRICING)


MODELS: dict[str, ModelInfo] = {
    "firefly-image": ModelInfo(
        "firefly-image", "Firefly Image", (Mode.TXT2IMG,), FireflyParams, _price,
        Capabilities(seed=True, negative_prompt=True, sizes=get_args(Size)),
        "Adobe Firefly text-to-image (generate-async); pick Image 3 or Image 4 with "
        "modelVersion"),
}
MODELS.update(edit_models(_price))


def split_key(key: str | None, env: Mapping[str, str], *, sandbox: bool = False
              ) -> tuple[str | None, str | None]:
    """(client id, client secret) from the studio key `id:secret`, or the secret plus env."""
    if not key:
        return env.get(CLIENT_ID_ENV, "").strip() or None, None
    if ":" in key:
        client_id, _, secret = key.partition(":")
        return client_id.strip() or None, secret.strip() or None
    from_env = env.get(CLIENT_ID_ENV, "").strip() or (SANDBOX_CLIENT_ID if sandbox else None)
    return from_env, key


# Firefly error_code -> (what the user can do, retryable).
_FIREFLY_ERRORS: dict[str, tuple[str, bool]] = {
    "prompt_unsafe": ("Adobe's content filter refused the prompt; rephrase it", False),
    "input_media_unsafe": ("Adobe's content filter refused an input image", False),
    "output_media_unsafe": ("Adobe's content filter blocked the generated image; try a "
                            "different prompt", False),
    "language_not_supported": ("Firefly does not support the prompt's language; write it in "
                               "a supported language", False),
    "access_error": ("the credential is not entitled to Firefly Services: check the org's "
                     "entitlement and that the project includes the Firefly API", False),
    "validation_error": ("Firefly rejected a parameter", False),
    "bad_request": ("Firefly rejected the request", False),
    "timeout_error": ("Firefly timed out; retry", True),
    "runtime_error": ("Firefly had an internal error; retry", True),
    "model_not_loaded": ("the Firefly model is not available right now; retry later", True),
    "not_implemented": ("Firefly does not support this option", False),
}


def firefly_failure(body: Mapping[str, Any]) -> tuple[str, str | None, bool]:
    """(message, code, retryable) from a Firefly error body or a failed job status."""
    nested = body.get("error")
    error: Mapping[str, Any] = nested if isinstance(nested, dict) else body
    code = error.get("error_code") or error.get("errorCode") or None
    said = str(error.get("message") or "").strip()
    issues = error.get("validation_errors") or []
    if isinstance(issues, list) and issues:
        said = "; ".join(filter(None, [said, *(_issue(i) for i in issues[:5])]))
    text, retryable = _FIREFLY_ERRORS.get(str(code), ("", False))
    if not text:
        return f"Firefly: {said or 'the job failed without a reason'}", code, False
    return f"Firefly: {text}" + (f" (Adobe: {said})" if said else ""), code, retryable


def _issue(issue: Any) -> str:
    if isinstance(issue, dict):
        where = issue.get("path") or issue.get("field") or issue.get("loc")
        what = issue.get("message") or issue.get("msg") or issue
        return f"{where}: {what}" if where else str(what)
    return str(issue)


def _raise_for(response: httpx.Response, what: str) -> None:
    """HTTP errors with Firefly's {error_code, message} mapped to actionable text."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and (body.get("error_code") or isinstance(body.get("error"), dict)):
        message, code, retryable = firefly_failure(body)
        retryable = retryable or response.status_code in (408, 429) or response.status_code >= 500
        raise ProviderError(f"{what}: {message.removeprefix('Firefly: ')} "
                            f"(HTTP {response.status_code})", status=response.status_code,
                            code=code, retryable=retryable)
    raise_for_status(response, what)


class FireflyProvider(Provider):
    info = ProviderInfo(
        id="firefly",
        name="Adobe Firefly Services",
        kinds=(Kind.IMAGE,),
        key=KeySpec(env=("FIREFLY_CLIENT_SECRET",), keyring_entry="firefly",
                    label="Client id and secret (client_id:client_secret)"),
        docs_url="https://developer.adobe.com/firefly-services/docs/firefly-api/",
        pricing_url="https://business.adobe.com/products/firefly-business/firefly-services.html",
        default_base_url="https://firefly-api.adobe.io",
        notes="Enterprise only: needs a Firefly Services entitlement (Settings › compliance). "
              "Key: paste client_id:client_secret, or set FIREFLY_CLIENT_ID and "
              "FIREFLY_CLIENT_SECRET. No published per-image price and no balance endpoint.",
        compliance=ComplianceGate("Firefly entitlement approved", DISABLED_REASON),
        sandbox="studio.sandbox.firefly:routes",
        price_sources=(PRICING,),
        extra_env=(CLIENT_ID_ENV, IMS_URL_ENV),
        # Images are uploaded to Firefly storage by submit (fill / expand), never as URLs.
        image_transport=ImageTransport.INLINE,
    )
    models = MODELS
    poll_hint = PollHint(min_interval=1.0, max_interval=5.0)

    def __init__(self, env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(env)
        self.tokens = TokenCache(clock)

    def forget_tokens(self) -> None:
        self.tokens.forget()

    def ims_url(self, ctx: ProviderContext) -> str:
        host = urlsplit(ctx.base_url).hostname or ""
        if ctx.sandbox or is_loopback_host(host):
            return f"{ctx.base_url}/ims/token/v3"
        return check_base_url(self.env.get(IMS_URL_ENV, "").strip() or IMS_URL)

    def _credentials(self, ctx: ProviderContext) -> Credentials:
        client_id, secret = split_key(ctx.key, self.env, sandbox=ctx.sandbox)
        if not client_id or not secret:
            missing = "client id" if secret else "client secret"
            raise ProviderError(
                f"Firefly: no {missing}. Paste client_id:client_secret as the key, or set "
                f"{CLIENT_ID_ENV} and FIREFLY_CLIENT_SECRET", code="missing_credentials")
        return Credentials(client_id, secret)

    # -- the request -------------------------------------------------------------------------

    def build(
        self,
        request: RenderRequest,
        params: ParamsBase,
        images: Sequence[InputImage],
        ctx: ProviderContext,
    ) -> PreparedCall:
        client_id, _ = split_key(ctx.key, self.env, sandbox=ctx.sandbox)
        headers = {"Authorization": f"Bearer {TOKEN_PLACEHOLDER}",
                   "x-api-key": client_id or CLIENT_ID_PLACEHOLDER,
                   "Content-Type": "application/json", "Accept": "application/json"}
        model = self.model(request.model)
        if "path" in model.metadata:  # fill-async / expand-async (firefly_edit.py)
            return build_edit(model, request, params, images, ctx.base_url, headers)
        params = params_as(params, FireflyParams)
        width, height = (int(v) for v in params.size.split("x"))
        body: dict[str, Any] = {"prompt": request.prompt}
        if request.negative_prompt:
            body["negativePrompt"] = request.negative_prompt
        body["numVariations"] = params.numVariations
        if request.seed is not None:
            # One seed per variation, so each image can be reproduced on its own.
            body["seeds"] = [(request.seed + i) % 4_294_967_295
                             for i in range(params.numVariations)]
        body["size"] = {"width": width, "height": height}
        if params.contentClass:
            body["contentClass"] = params.contentClass
        if params.visualIntensity is not None:
            body["visualIntensity"] = params.visualIntensity
        presets = [p.strip() for p in params.stylePresets.split(",") if p.strip()]
        if presets or params.styleStrength is not None:
            style: dict[str, Any] = {"presets": presets}
            if params.styleStrength is not None:
                style["strength"] = params.styleStrength
            body["style"] = style
        if params.modelVersion:
            headers["x-model-version"] = params.modelVersion
        return PreparedCall("POST", f"{ctx.base_url}/v3/images/generate-async", headers,
                            json_body=body)

    # -- calls -------------------------------------------------------------------------------

    async def _headers(self, http: httpx.AsyncClient, ctx: ProviderContext) -> dict[str, str]:
        token = await self.tokens.token(http, self.ims_url(ctx), self._credentials(ctx))
        return {"Authorization": f"Bearer {token}",
                "x-api-key": self._credentials(ctx).client_id, "Accept": "application/json"}

    def check(self, request: RenderRequest, params: ParamsBase,
              images: Sequence[InputImage]) -> list[tuple[str, str]]:
        return edit_problems(params, images)

    async def submit(
        self, http: httpx.AsyncClient, call: PreparedCall, ctx: ProviderContext
    ) -> Submitted:
        what = "Firefly submit"
        if call.files:  # fill / expand: upload the image (and mask) first
            call = await with_uploads(http, call, ctx.base_url, await self._headers(http, ctx))
        for attempt in range(2):
            headers = {**call.headers, **await self._headers(http, ctx)}
            kwargs = {**call.send_kwargs(), "headers": headers}
            response = await send(http, call.method, call.url, what, keep_errors=True, **kwargs)
            if response.status_code == 401 and attempt == 0:
                self.forget_tokens()  # revoked or expired early: one fresh token, one retry
                continue
            break
        _raise_for(response, what)
        body = parse_json(response, what)
        job_id = body.get("jobId") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise ProviderError(f"{what}: the answer had no jobId", status=response.status_code,
                                code="malformed_response")
        urls = {"status": self._same_origin(body.get("statusUrl"), ctx)
                or f"{ctx.base_url}/v3/status/{job_id}"}
        cancel = self._same_origin(body.get("cancelUrl"), ctx)
        if cancel:
            urls["cancel"] = cancel
        return Submitted(handle=RemoteHandle(job_id, urls), raw=body)

    def _same_origin(self, url: Any, ctx: ProviderContext) -> str | None:
        """A URL from Adobe's answer, only if it points at the API host (the token goes there)."""
        if not isinstance(url, str):
            return None
        ours, theirs = urlsplit(ctx.base_url), urlsplit(url)
        if (theirs.scheme, theirs.netloc) != (ours.scheme, ours.netloc):
            return None
        return url

    async def poll(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> PollResult:
        what = "Firefly job status"
        url = handle.urls.get("status") or f"{ctx.base_url}/v3/status/{handle.remote_id}"
        response = await send(http, "GET", url, what, keep_errors=True,
                              headers=await self._headers(http, ctx))
        if response.status_code == 401:
            self.forget_tokens()  # the next poll signs in again
            raise ProviderError(f"{what}: the IMS token was refused (HTTP 401); signing in "
                                "again", status=401, code="token_refused", retryable=True)
        _raise_for(response, what)
        job = parse_json(response, what)
        status = str(job.get("status") or "").lower() if isinstance(job, dict) else ""
        if status in ("pending", "queued", "not_started"):
            return Pending("queued", raw=job)
        if status in ("running", "in_progress"):
            return Pending("running", progress=_progress(job.get("progress")), raw=job)
        if status == "succeeded":
            return _succeeded(job)
        if status in ("failed", "error"):
            message, code, retryable = firefly_failure(job)
            return Failed(message, code=code or "generation_failed", retryable=retryable, raw=job)
        if status in ("cancelled", "canceled"):
            return Failed("cancelled at Adobe Firefly", code="cancelled", raw=job)
        raise ProviderError(f"{what}: unexpected status {job.get('status')!r}"
                            if isinstance(job, dict) else f"{what}: unexpected answer",
                            code="malformed_response", retryable=True)

    async def cancel(
        self, http: httpx.AsyncClient, handle: RemoteHandle, ctx: ProviderContext
    ) -> bool:
        url = handle.urls.get("cancel")
        if not url:
            return False
        # Adobe documents a cancelUrl but not its method; PUT is what its examples use.
        response = await send(http, "PUT", url, "Firefly cancel", keep_errors=True,
                              headers=await self._headers(http, ctx))
        if response.status_code in (404, 409):  # already finished or gone
            return False
        _raise_for(response, "Firefly cancel")
        return True


def _progress(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return min(1.0, max(0.0, value / 100 if value > 1 else float(value)))


def _succeeded(job: dict[str, Any]) -> Succeeded | Failed:
    nested = job.get("result")
    result: dict[str, Any] = nested if isinstance(nested, dict) else job
    listed = result.get("outputs")
    outputs: list[Any] = listed if isinstance(listed, list) else []
    found: list[tuple[str, int | None]] = []
    for output in outputs:
        image = output.get("image") if isinstance(output, dict) else None
        url = image.get("url") if isinstance(image, dict) else None
        if isinstance(url, str) and url:
            seed = output.get("seed")
            found.append((url, seed if isinstance(seed, int) else None))
    if not found:
        return Failed("Firefly: the job succeeded but returned no image", code="no_output",
                      raw=job)
    return Succeeded(outputs=[RemoteOutput(url=url) for url, _ in found], seed=found[0][1],
                     raw=job)


PROVIDER = FireflyProvider
