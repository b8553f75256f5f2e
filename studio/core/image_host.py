"""The image host: puts local input images where providers that fetch by URL can reach them.

A provider whose declaration says `image_transport=URL` gets every local input image as a
URL. Settings (image host) chooses where they go: `s3` (an S3-compatible bucket; a
presigned PUT uploads, a presigned GET is what the provider fetches; boto3 signs, the secret
is in the keyring or STUDIO_IMAGE_HOST_S3_SECRET), or the id of a provider that hosts images
(its storage protocol, with its own key). With `none`, or a host that cannot work, the job
stays a dry-run whose reason names what is missing. Dry-runs upload nothing: their request
shows a placeholder saying where each image would go. Uploads are recorded (URL with any
signature masked, sha256, host), never credentials.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from studio.core.config import ImageHostSettings
from studio.core.secrets import KeyStore
from studio.providers.base import (
    ImageTransport,
    InputImage,
    KeySpec,
    Provider,
    ProviderContext,
    ProviderError,
    mask_signature,
)
from studio.providers.http import send

if TYPE_CHECKING:
    from botocore.client import BaseClient

S3_SECRET = KeySpec(env=("STUDIO_IMAGE_HOST_S3_SECRET",), keyring_entry="image-host-s3",
                    label="S3 secret access key")
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


@dataclass(frozen=True)
class HostedImage:
    """One upload, as the request record and provenance keep it."""

    name: str
    sha256: str
    url: str
    host: str

    def record(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "url": mask_signature(self.url),
                "host": self.host}


def inputs_record(images: Sequence[InputImage],
                  hosted: Sequence[HostedImage]) -> list[dict[str, Any]]:
    """What the request record and provenance keep of each input: its name, sha256, and
    where the provider fetched it (an upload, or the https URL it was given)."""
    uploads = {h.sha256: h.record() for h in hosted}
    out = []
    for image in images:
        entry: dict[str, Any] = {"name": image.name, "role": image.role.value}
        if image.sha256:
            entry["sha256"] = image.sha256
        if image.sha256 in uploads:
            entry["uploaded"] = uploads[image.sha256]
        elif image.url and not image.url.startswith("<"):  # not a dry-run placeholder
            entry["url"] = image.url
        out.append(entry)
    return out


def needs_host(provider: Provider, images: Sequence[InputImage]) -> bool:
    """True when the provider fetches images by URL and a local image has none yet."""
    return (provider.info.image_transport is ImageTransport.URL
            and any(not image.url for image in images))


class ImageHosting:
    """The image host of one Studio, as its settings and keys describe it."""

    def __init__(self, providers: Mapping[str, Provider], keys: KeyStore, *,
                 sandbox_url: str | None = None) -> None:
        self.providers = providers
        self.keys = keys
        self.sandbox_url = sandbox_url

    def hosting_providers(self) -> list[Provider]:
        return [p for p in self.providers.values() if p.info.hosts_images]

    def describe(self, settings: ImageHostSettings) -> str:
        if settings.host == "s3":
            return f"s3://{settings.s3_bucket or '?'}"
        provider = self.providers.get(settings.host)
        return f"{provider.info.name} storage" if provider else settings.host

    def unavailable(self, settings: ImageHostSettings, needed_by: Provider) -> str | None:
        """Why local images cannot be uploaded now (naming the missing host), or None."""
        why = f"{needed_by.info.name} fetches input images by URL"
        if settings.host == "none":
            options = ", ".join(["s3", *(p.info.id for p in self.hosting_providers())])
            return (f"no image host: {why}; choose one in Settings › image host "
                    f"(image_host.host: {options})")
        if settings.host == "s3":
            missing = [name for name, value in (("s3_bucket", settings.s3_bucket),
                                                ("s3_access_key_id", settings.s3_access_key_id))
                       if not value]
            if not self.keys.lookup(S3_SECRET).present:
                missing.append(f"the secret ({' or '.join(S3_SECRET.env)} or the keyring)")
            if missing:
                return f"image host s3 is not set up: {why}; missing {', '.join(missing)}"
            return None
        host = self.providers.get(settings.host)
        if host is None or not host.info.hosts_images:
            return f"image host {settings.host!r} is not a provider that hosts images ({why})"
        owner = self.providers.get(host.info.key_from or "", host)
        if host.info.key_required and not self.keys.lookup(owner.info.key).present:
            return (f"image host {host.info.name} storage needs its key "
                    f"({' or '.join(owner.info.key.env)}): {why}")
        return None

    def placeholders(self, settings: ImageHostSettings,
                     images: Sequence[InputImage]) -> tuple[InputImage, ...]:
        """For a dry-run: where each local image would be uploaded, instead of its URL."""
        where = self.describe(settings) if settings.host != "none" else "no image host chosen"
        return tuple(image if image.url else dataclasses.replace(
            image, url=f"<upload of {image.name} sha256:{image.sha256[:12]} to {where}>")
            for image in images)

    async def upload(self, http: httpx.AsyncClient, settings: ImageHostSettings,
                     images: Sequence[InputImage],
                     context: ProviderContext | None = None,
                     ) -> tuple[tuple[InputImage, ...], list[HostedImage]]:
        """Upload every local image; the images with their URLs and what was uploaded.
        `context` is the hosting provider's (base URL and key) when the host is a provider."""
        hosted: list[HostedImage] = []
        out: list[InputImage] = []
        for image in images:
            if image.url:
                out.append(image)
                continue
            url = await self._upload_one(http, settings, image, context)
            hosted.append(HostedImage(image.name, image.sha256, url, self.describe(settings)))
            out.append(dataclasses.replace(image, url=url))
        return tuple(out), hosted

    async def _upload_one(self, http: httpx.AsyncClient, settings: ImageHostSettings,
                          image: InputImage, context: ProviderContext | None) -> str:
        if settings.host == "s3":
            return await S3Host(settings, self.keys.lookup(S3_SECRET).value or "",
                                self.sandbox_url).upload(http, image)
        provider = self.providers[settings.host]
        if context is None:
            raise ProviderError("image host: no context for the hosting provider",
                                code="internal")
        return await provider.host_image(http, context, image)


class S3Host:
    """An S3-compatible bucket: boto3 presigns, httpx PUTs, the provider GETs."""

    def __init__(self, settings: ImageHostSettings, secret: str,
                 sandbox_url: str | None = None) -> None:
        self.settings = settings
        self.secret = secret
        # In the sandbox nothing leaves the machine: its S3 stands in for the bucket.
        self.endpoint = (f"{sandbox_url}/s3" if sandbox_url
                         else settings.s3_endpoint_url.strip() or None)

    def key_for(self, image: InputImage) -> str:
        """Content-addressed, so the same image is stored once."""
        return f"{self.settings.s3_prefix}{image.sha256}{_EXTENSIONS.get(image.media_type, '')}"

    def _client(self) -> BaseClient:
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=self.settings.s3_region,
            aws_access_key_id=self.settings.s3_access_key_id,
            aws_secret_access_key=self.secret,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def presign(self, image: InputImage) -> tuple[str, str]:
        """(PUT URL, GET URL) for the image; pure computation, no network."""
        client = self._client()
        params = {"Bucket": self.settings.s3_bucket, "Key": self.key_for(image)}
        expiry = self.settings.url_expiry_seconds
        put = client.generate_presigned_url(
            "put_object", Params={**params, "ContentType": image.media_type},
            ExpiresIn=expiry, HttpMethod="PUT")
        get = client.generate_presigned_url("get_object", Params=params, ExpiresIn=expiry)
        return put, get

    async def upload(self, http: httpx.AsyncClient, image: InputImage) -> str:
        # boto3 loads its service data on first use: keep that off the event loop.
        put, get = await asyncio.to_thread(self.presign, image)
        await send(http, "PUT", put, "Image host upload (S3)", content=image.data,
                   headers={"Content-Type": image.media_type})
        return get
