"""Settings: one pydantic model saved as config/studio.json, written atomically.

A partial file is filled with defaults. A corrupt or invalid file is kept as
studio.json.bad (numbered, never overwritten) and replaced by defaults, with a warning the UI shows.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.core import safe_json
from studio.core.atomic import write_atomic
from studio.core.budget import BudgetSettings
from studio.core.set_aside import keep_as_bad

log = logging.getLogger(__name__)


class Features(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enable_public_image_providers: bool = Field(
        False, description="API key required; dry-run only by default"
    )
    enable_public_video_providers: bool = Field(
        False, description="API key required; dry-run only by default"
    )
    enable_assistant: bool = Field(
        False, description="The prompt assistant's chat calls. API key required; dry-run "
        "only by default"
    )


class ContentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    safety_checker: bool = Field(True, description="Keep providers' NSFW filters on")
    allow_weaker_safety: bool = Field(
        False, description="Allow settings that weaken a provider's safety filter"
    )


class NetworkLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_concurrent_per_provider: int = Field(4, ge=1, le=500)
    request_timeout_seconds: float = Field(60.0, ge=1, le=600)
    max_download_mb: int = Field(512, ge=1, le=10_000)
    poll_outage_margin_seconds: float = Field(
        600.0, ge=0, le=86_400,
        description="How long status checks may keep failing past a job's expected "
        "duration before it is left 'unknown' (its remote id kept, for Check again)")
    poll_backoff_cap_seconds: float = Field(
        60.0, ge=0.5, le=600, description="Longest wait between status checks in an outage")
    max_retry_after_seconds: float = Field(
        600.0, ge=0, le=86_400,
        description="Longest Retry-After honoured; a longer wait fails the job and names it")
    download_attempts: int = Field(
        4, ge=1, le=20, description="Tries per output when a download is cut short")


class QuotaSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    low_quota_usd: float = Field(2.0, ge=0, description="Below this a provider is low-quota")
    cache_seconds: int = Field(300, ge=0)


class AutomationApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="Serve the automation API on 127.0.0.1")
    port: int = Field(8765, ge=1024, le=65535, description="Loopback port of the API")
    allowed_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API (CORS)")
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="Host names, addresses or networks (10.0.0.0/8) "
        "webhooks may reach besides public addresses and this computer")

    @field_validator("webhook_allowed_hosts")
    @classmethod
    def _webhook_hosts(cls, entries: list[str]) -> list[str]:
        out = [e.strip().lower() for e in entries if e.strip()]
        for entry in out:
            if not _host_or_network(entry):
                raise ValueError(f"{entry!r} is not a host name, an IP address or a network "
                                 "like 10.0.0.0/8")
        return out

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        out = [o.strip().rstrip("/") for o in origins if o.strip()]
        for origin in out:
            if not re.fullmatch(r"https?://[^/\s?#@]+", origin):
                raise ValueError(f"{origin!r} is not an origin like http://localhost:3000")
        return out


_HOST_NAME = re.compile(r"(?=.{1,253}\.?$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
                        r"(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?")


def _host_or_network(entry: str) -> bool:
    try:
        ipaddress.ip_network(entry.strip("[]"), strict=False)
        return True
    except ValueError:
        pass
    # A name whose last label is a number is an address in disguise (127.1, 2130706433).
    return bool(_HOST_NAME.fullmatch(entry)) and not entry.rstrip(".").rsplit(".", 1)[-1].isdigit()


class SigningSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certificate_chain: str | None = Field(
        None, description="PEM chain (leaf, then intermediates) for C2PA; empty = the local "
        "studio certificate")
    private_key: str | None = Field(None, description="ES256 private key (PEM) of that chain")
    sign_exports: bool = Field(False, description="Add C2PA content credentials to exports")


_LEGACY_COMPLIANCE = re.compile(r"^([a-z][a-z0-9_]*)_workspace_compliant$")
_PROVIDER_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ImageHostSettings(BaseModel):
    """Where local input images go for providers that only fetch images by URL."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("none", description="'none', 's3' (your bucket, presigned URLs), or the "
                      "id of a provider that hosts images (its storage, with its key)")
    s3_endpoint_url: str = Field("", description="S3-compatible endpoint; empty = AWS")
    s3_bucket: str = Field("", description="Bucket the images are uploaded to")
    s3_region: str = Field("us-east-1", description="The bucket's region")
    s3_access_key_id: str = Field("", description="Access key id (the secret is in the "
                                  "keyring or STUDIO_IMAGE_HOST_S3_SECRET)")
    s3_prefix: str = Field("provider-studio/", description="Key prefix of uploaded images")
    url_expiry_seconds: int = Field(3600, ge=60, le=7 * 86400,
                                    description="How long a presigned image URL works")

    @field_validator("host")
    @classmethod
    def _host(cls, host: str) -> str:
        host = host.strip()
        if not _PROVIDER_ID.match(host):
            raise ValueError("give 'none', 's3' or a provider id")
        return host


class MetricsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measure_new_outputs: bool = Field(
        True, description="Measure every new output's quality in a background thread")


class AssistantSettings(BaseModel):
    """The OpenAI-compatible chat endpoint the assistant uses (its key is in the keyring)."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("", description="Chat endpoint base URL; empty = OpenAI "
                          "(https://api.openai.com/v1)")
    model: str = Field("gpt-4o-mini", min_length=1, max_length=200,
                       description="Model for prompts and stories")
    vision_model: str = Field("", max_length=200, description="Model for images (analysis, "
                              "judging); empty = the model above")
    auth_scheme: Literal["Bearer", "Key"] = Field(
        "Bearer", description="Authorization scheme: Bearer (OpenAI, OpenRouter, Ollama, "
        "llama.cpp) or Key (fal's OpenAI-compatible LLM routes)")
    temperature: float = Field(0.7, ge=0, le=2, description="Sampling temperature")
    max_tokens: int = Field(1500, ge=64, le=32_000, description="Longest answer, in tokens")
    critic_rounds: int = Field(3, ge=1, le=6, description="Storyboard: most Director and "
                               "Critic rounds")
    approve_at: int = Field(70, ge=0, le=101, description="Storyboard: the Critic's lowest "
                            "score that may approve a draft")

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        return url.strip().rstrip("/")


class PodSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idle_minutes: float = Field(15.0, ge=0.01, le=24 * 60, description=(
        "Stop a RunPod pod when no job has used it for this many minutes"))
    warn_minutes: float = Field(2.0, ge=0, le=60, description=(
        "Warn this many minutes before an idle pod is stopped"))


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    features: Features = Features()
    content_policy: ContentPolicy = ContentPolicy()
    network: NetworkLimits = NetworkLimits()
    quota: QuotaSettings = QuotaSettings()
    base_urls: dict[str, str] = Field(
        default_factory=dict, description="Per-provider base URL overrides"
    )
    export_dir: str | None = None
    signing: SigningSettings = SigningSettings()
    automation_api: AutomationApiSettings = AutomationApiSettings()
    # Provider id -> the workspace passed that provider's compliance gate (its declaration
    # says what the gate is).
    compliance: dict[str, bool] = Field(default_factory=dict)
    # Provider id -> that provider's own settings (validated by the provider).
    provider_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    image_host: ImageHostSettings = ImageHostSettings()
    # Spend budgets and the per-action confirmation amount (core.budget).
    budgets: BudgetSettings = BudgetSettings()
    metrics: MetricsSettings = MetricsSettings()
    assistant: AssistantSettings = AssistantSettings()
    pods: PodSettings = PodSettings()

    @field_validator("compliance", mode="before")
    @classmethod
    def _compliance(cls, value: Any) -> Any:
        """Older files said `<provider>_workspace_compliant: true`; keep what they meant."""
        if not isinstance(value, dict):
            return value
        out = {}
        for key, approved in value.items():
            legacy = _LEGACY_COMPLIANCE.match(str(key))
            out[legacy.group(1) if legacy else key] = approved
        return out


@dataclass
class LoadResult:
    """Settings read from disk, with what was wrong with the file."""
    settings: Settings
    warnings: list[str] = field(default_factory=list)


class ConfigError(ValueError):
    pass


def load_settings(path: Path) -> LoadResult:
    """Raises ConfigError only when the file exists but cannot be read (permissions)."""
    if not path.exists():
        return LoadResult(Settings())
    try:
        if path.is_dir():
            raise ValueError("it is a directory, not a file")
        raw = safe_json.loads(path.read_bytes())
        if not isinstance(raw, dict):
            raise ValueError("the top level is not a JSON object")
        return LoadResult(Settings.model_validate(raw))
    except OSError as exc:  # unreadable: nothing to set aside, nothing may overwrite it
        raise ConfigError(f"the settings file {path} cannot be read ({exc.strerror or exc}); "
                          "fix its permissions, or point STUDIO_HOME elsewhere") from None
    except (ValueError, ValidationError, UnicodeDecodeError) as exc:
        try:
            bad = keep_as_bad(path)  # numbered: an earlier .bad copy is never overwritten
        except OSError as move:
            raise ConfigError(f"the settings file {path} is not usable ({_short(exc)}) and "
                              f"could not be set aside ({move.strerror or move}); move it "
                              "away yourself") from None
        message = (
            f"Settings file {path} could not be read ({_short(exc)}); it was kept as "
            f"{bad.name} and defaults are in use."
        )
        log.warning("config.corrupt", extra={"path": str(path), "moved_to": str(bad)})
        return LoadResult(Settings(), [message])


def save_settings(path: Path, settings: Settings) -> None:
    data = json.dumps(settings.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"
    write_atomic(path, data.encode("utf-8"))


def get_value(settings: Settings, key: str) -> Any:
    node: Any = settings.model_dump(mode="json")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"unknown setting {key!r}")
        node = node[part]
    return node


def set_value(settings: Settings, key: str, text: str) -> Settings:
    """A new Settings with `key` set from a command-line string (JSON, or a bare string)."""
    try:
        value: Any = safe_json.loads(text)
    except safe_json.JsonTooDeep as exc:
        raise ConfigError(f"{key}: {exc}") from None
    except json.JSONDecodeError:
        value = text
    data = settings.model_dump(mode="json")
    parts = key.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        if part not in node and _is_open_mapping(parts[:depth]):
            node[part] = {}  # a provider's options, say, set for the first time
        if not isinstance(node.get(part), dict):
            raise ConfigError(f"unknown setting {key!r}")
        node = node[part]
    if parts[-1] not in node and not _is_open_mapping(parts[:-1]):
        raise ConfigError(f"unknown setting {key!r}")
    node[parts[-1]] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_short(exc)) from None


def _is_open_mapping(parent: list[str]) -> bool:
    """Settings keyed by provider id (or free-form within a provider's options)."""
    return parent in (["base_urls"], ["compliance"]) or (parent[:1] == ["provider_options"] and (
        len(parent) >= 1))


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{loc}: {first['msg']}" if loc else first["msg"]
    return str(exc).splitlines()[0][:200]
