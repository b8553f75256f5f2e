"""Request and response models of the automation API; /openapi.json is drawn from them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from studio.api.webhooks import check_webhook_url

ApiMode = Literal["txt2img", "image2image", "img2img", "video", "txt2video", "img2video",
                  "storyboard", "inpaint", "outpaint", "upscale", "remove_background"]
ProviderStatus = Literal["active", "dry-run", "missing-credentials", "low-quota", "disabled"]
JobStatusName = Literal["draft", "dry_run", "queued", "submitting", "submitted", "running",
                        "succeeded", "failed", "cancelled", "unknown", "refused"]
MAX_INPUT_IMAGES = 8


# ---- requests ------------------------------------------------------------------------


class ImageGenerateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "provider": "fal", "model": "fal-ai/flux/schnell", "mode": "txt2img",
        "prompt": "a red fox in snow", "seed": 7, "parameters": {"image_size": "square"}}]})

    provider: str = Field(min_length=1, max_length=100, description="Provider id (catalog)")
    model: str = Field(min_length=1, max_length=300, description="Model id (catalog)")
    mode: ApiMode | None = Field(None, description="Defaults to the model's first mode")
    prompt: str = Field(max_length=10_000)
    negative_prompt: str | None = Field(None, max_length=10_000)
    seed: int | None = Field(None, ge=0, le=4_294_967_294)
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="The model's own parameters (see the catalog)")
    input_images: list[str] = Field(
        default_factory=list, max_length=MAX_INPUT_IMAGES,
        description="Input or reference images as data URIs (data:image/png;base64,...): "
                    "PNG, JPEG or WebP, 20 MB each at most")
    mask: str | None = Field(
        None, max_length=30_000_000,
        description="inpaint/outpaint mask (white = change, black = keep): asset:<id> of "
                    "this studio, an https:// URL, or a data URI like input_images; file "
                    "paths are not accepted. A mask of another size than the input image is "
                    "scaled to it, and the job says so")
    webhook: str | None = Field(
        None, max_length=2048,
        description="http(s) URL that receives the job's status object when it ends (and "
                    "again if a later check changes the outcome: X-Studio-Final: false). "
                    "Public addresses and this computer only, unless the host is allowed in "
                    "Settings")
    compare_group: str | None = Field(None, max_length=100)
    confirm_weaker_safety: bool = Field(
        False, description="Send even though a parameter weakens the provider's safety filter")

    @field_validator("webhook")
    @classmethod
    def _webhook(cls, url: str | None) -> str | None:
        return None if url is None else check_webhook_url(url)


class VideoGenerateRequest(ImageGenerateRequest):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "provider": "fal", "model": "fal-ai/veo3.1", "mode": "video",
        "prompt": "waves at dusk", "duration_seconds": 4, "resolution": "720p"}]})

    duration_seconds: float | None = Field(
        None, gt=0, le=600, description="Clip length; mapped onto the model's own setting")
    resolution: str | None = Field(
        None, max_length=20,
        description="e.g. 720p, or WIDTHxHEIGHT for models sized in pixels or ratios")


class JobsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(
        None, description="One status or several, comma-separated (e.g. queued,running)")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


# ---- responses -----------------------------------------------------------------------


class Estimates(BaseModel):
    credits: float | None = None
    usd: float | None = None
    approximate: bool | None = None
    basis: str | None = None


class GenerateResponse(BaseModel):
    dry_run: bool
    job_id: str
    status: JobStatusName
    dry_run_reason: str | None = None
    estimates: Estimates
    remote_id: str | None = Field(None, description="The provider's queue id; null while queued")
    webhook: bool = Field(False, description="A webhook will be called when the job ends")
    links: dict[str, str]


class AssetOut(BaseModel):
    id: str
    path: str
    sha256: str
    media_type: str
    bytes: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    rating: int | None = None
    url: str = Field(description="Download route of the file")
    provenance_url: str


class JobOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    job_id: str
    provider: str
    model: str
    mode: str
    status: JobStatusName
    dry_run: bool
    dry_run_reason: str | None = None
    sandbox: bool
    estimates: Estimates
    actual_cost: dict[str, Any] | None = None
    request: dict[str, Any] | None = Field(
        None, description="The exact HTTP request (secrets masked)")
    input: dict[str, Any]
    remote_id: str | None = None
    progress: float | None = None
    queue_position: int | None = None
    message: str | None = None
    error: str | None = None
    error_code: str | None = None
    seed: int | None = None
    retried_from: str | None = None
    compare_group: str | None = None
    created_at: float
    submitted_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    outputs: list[AssetOut] = Field(default_factory=list)


class JobList(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int
    has_more: bool


class QuotaOut(BaseModel):
    remaining: float
    unit: str
    usd: float | None = None
    low: bool
    detail: str = ""


class CatalogModel(BaseModel):
    id: str
    name: str
    modes: list[str] = Field(description="txt2img, image2image, video or storyboard")
    native_modes: list[str] = Field(description="The studio's own mode names")
    status: ProviderStatus
    reason: str
    price: Estimates = Field(description="With default parameters")
    capabilities: dict[str, Any]
    description: str
    parameters: dict[str, Any] = Field(description="JSON schema of the model's parameters")
    outside_status: ProviderStatus | None = Field(
        default=None, description="In the sandbox (where every job runs live): what a job "
        "would be outside it; null outside the sandbox")
    outside_reason: str | None = None


class CatalogProvider(BaseModel):
    id: str
    name: str
    status: ProviderStatus
    reason: str
    key_source: Literal["environment", "keyring", "sandbox", "none"]
    docs_url: str
    pricing_url: str
    notes: str
    sandbox: bool
    quota: QuotaOut | None = None
    models: list[CatalogModel]
    outside_status: ProviderStatus | None = Field(
        default=None, description="In the sandbox: what its jobs would be outside it")
    outside_reason: str | None = None


class CatalogOut(BaseModel):
    kind: Literal["image", "video"]
    providers: list[CatalogProvider]


class ProvenanceOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    schema_: str = Field(alias="schema")
    version: int
    job_id: str
    asset_id: str


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    error: str
    fields: list[FieldErrorOut] = Field(default_factory=list)


class BudgetOut(BaseModel):
    scope: Literal["overall", "provider"]
    provider: str | None = Field(None, description="The provider account (scope provider)")
    period: Literal["day", "month"] = Field(description="Local calendar day or month")
    limit_usd: float
    label: str


class BudgetRefusalOut(BaseModel):
    """402: a spend budget refused the job. It is recorded as `refused`; nothing was sent.
    Budgets are set in the app or with studio-cli, never through this API."""

    error: str
    budget: BudgetOut
    estimate_usd: float | None = Field(description="What the job would count (null: no "
                                       "price is known for it)")
    left_usd: float = Field(description="What is left of that budget")
    job_id: str
    fields: list[FieldErrorOut] = Field(default_factory=list)


class HealthOut(BaseModel):
    status: Literal["ok"]
