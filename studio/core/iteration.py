"""Iterating on renders: outputs as inputs, saved frames, masks, outpaint canvases, the
settings that reproduce an output, and batches of variations. Studio's methods of the same
names call these."""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from studio.core.batches import MAX_VARIATIONS, BatchRecords, new_batch_id
from studio.core.frames import extract_frame
from studio.core.inputs import ASSET_PREFIX, is_url
from studio.core.jobs import Asset, Job
from studio.core.lineage import Node, Parent
from studio.core.local_assets import LocalHost, LocalKind, is_local, save_local
from studio.core.masks import Extension, MaskError, extend_canvas, png_bytes
from studio.core.requests import CheckedRequest
from studio.providers.base import Mode, Provider, RenderRequest, Role

SEED_LIMIT = 4_294_967_295  # seeds run 0..4_294_967_294 (RenderRequest's bound)
OUTPAINT_SIDES = ("left", "right", "up", "down")


@dataclass(frozen=True)
class Variations:
    """The jobs of one batch of variations."""
    batch_id: str
    jobs: list[Job]


class IterationHost(LocalHost, Protocol):
    """What iterating takes from the Studio: its store and records, the providers, and
    checking and submitting requests through the one policy."""

    @property
    def providers(self) -> Mapping[str, Provider]: ...

    @property
    def batches(self) -> BatchRecords: ...

    def check(self, request: RenderRequest, *, load_images: bool = True) -> CheckedRequest: ...

    async def submit(self, request: RenderRequest, *, retried_from: str | None = None,
                     force_dry_run: str | None = None) -> Job: ...


class Iteration:
    def __init__(self, studio: IterationHost) -> None:
        self.studio = studio
        self.store = studio.store

    # -- finding things ----------------------------------------------------------------------

    def input_ref(self, text: str) -> str:
        """What the CLI's --image / --mask means: a URL or an existing file as given, else
        an asset id (or a unique prefix of one) as `asset:<id>`."""
        ref = text.strip()
        if not ref or is_url(ref) or ref.startswith(ASSET_PREFIX) or Path(ref).expanduser(
        ).exists():
            return ref
        asset = self.find_asset(ref)
        return f"{ASSET_PREFIX}{asset.id}" if asset is not None else ref

    def find_asset(self, ref: str) -> Asset | None:
        """An asset by id, `asset:<id>`, or a unique id prefix (6 characters or more)."""
        key = ref.removeprefix(ASSET_PREFIX).strip()
        asset = self.store.get_asset(key) if key else None
        if asset is not None or len(key) < 6:
            return asset
        rows = self.store.query("SELECT id FROM assets WHERE id LIKE ? LIMIT 2",
                                (key.replace("%", "").replace("_", "") + "%",))
        return self.store.get_asset(rows[0][0]) if len(rows) == 1 else None

    def _asset(self, ref: str, *, media: str) -> Asset:
        asset = self.find_asset(ref)
        if asset is None:
            raise KeyError(f"no asset {ref!r} in this studio")
        if not asset.media_type.startswith(media):
            raise ValueError(f"asset {asset.id} is {asset.media_type}, not an {media[:-1]}")
        return asset

    def lineage(self, asset_id: str) -> Node:
        asset = self.find_asset(asset_id)
        if asset is None:
            raise KeyError(f"no asset {asset_id!r} in this studio")
        return self.studio.lineage_records.tree(asset.id)

    # -- settings that reproduce an output -----------------------------------------------------

    def settings_of(self, ref: str) -> RenderRequest:
        """The request that reproduces an output (an asset id) or a job: the seed the
        provider actually used, the inputs and the mask by asset id, the params as sent."""
        asset = self.find_asset(ref)
        job = self.store.get_job(asset.job_id) if asset else self.store.find_job(ref)
        if job is None:
            raise KeyError(f"no asset or job {ref!r} in this studio")
        if is_local(job):
            raise ValueError(f"{job.mode} assets are made by the studio, not by a provider: "
                             "there are no settings to reuse")
        data = dict(job.request)
        if job.seed is not None:  # the seed the provider reports, not the one asked for
            data["seed"] = job.seed
        inputs = list(data.get("input_images") or [])
        for parent in self.studio.lineage_records.parents(job.id):
            if parent.position < len(inputs):
                inputs[parent.position] = f"{ASSET_PREFIX}{parent.asset_id}"
            elif parent.role is Role.MASK:
                data["mask"] = f"{ASSET_PREFIX}{parent.asset_id}"
        data.update(input_images=inputs, compare_group=None)
        return RenderRequest.model_validate(data)

    def reuse_settings(self, ref: str) -> dict[str, Any]:
        """settings_of as JSON for Compose, whose image list holds files: assets become
        their files (their bytes still name the asset in lineage)."""
        data = self.settings_of(ref).model_dump(mode="json")
        data["input_images"] = [self.file_of(r) for r in data["input_images"]]
        if data.get("mask"):
            data["mask"] = self.file_of(data["mask"])
        return data

    def file_of(self, ref: str) -> str:
        """The file of an `asset:<id>` reference (others as they are)."""
        asset = self.find_asset(ref) if ref.startswith(ASSET_PREFIX) else None
        return asset.path if asset is not None else ref

    # -- variations ----------------------------------------------------------------------------

    async def variations(self, request: RenderRequest, n: int) -> Variations:
        """N jobs of one request as a batch: seeds base, base+1, ... when the model takes a
        seed (base: the request's, else a random one), else N identical requests."""
        if not 1 <= n <= MAX_VARIATIONS:
            raise ValueError(f"variations: choose 1 to {MAX_VARIATIONS}")
        checked = self.studio.check(request, load_images=False)  # bad requests fail first
        if checked.model.capabilities.seed:
            base = request.seed if request.seed is not None else random.randrange(SEED_LIMIT)
            seeds: list[int | None] = [(base + i) % SEED_LIMIT for i in range(n)]
        else:
            seeds = [None] * n
        batch_id = new_batch_id()
        jobs = []
        for position, seed in enumerate(seeds):
            job = await self.studio.submit(request.model_copy(update={"seed": seed}))
            self.studio.batches.add(batch_id, job.id, position)
            jobs.append(job)
        return Variations(batch_id, jobs)

    async def vary(self, ref: str, n: int = 1) -> Variations:
        """Same prompt, same model, new seeds: variations of an output's settings."""
        return await self.variations(self.settings_of(ref).model_copy(update={"seed": None}),
                                     n)

    # -- assets the studio makes -----------------------------------------------------------

    def import_image(self, path: str | Path) -> Asset:
        """A local image file as an asset (the same bytes again give the existing asset),
        so it can take part in lineage: a dropped file, an outpaint source."""
        from studio.core.inputs import load_input_image

        image = load_input_image(path)  # InputError for a missing, unreadable or huge file
        rows = self.store.query("SELECT id FROM assets WHERE sha256=? ORDER BY created_at "
                                "LIMIT 1", (image.sha256,))
        if rows:
            found = self.store.get_asset(rows[0][0])
            if found is not None:
                return found
        operation = {"name": "import", "file": image.name, "sha256": image.sha256}
        return save_local(self.studio, LocalKind.IMPORT, image.data, _safe_name(image.name),
                          operation, [], media_type=image.media_type)

    async def save_frame(self, video_ref: str, at: float | None = None) -> Asset:
        """A video's frame at `at` seconds (None: exactly the last frame) as a new image
        asset whose parent is the video."""
        video = self._asset(video_ref, media="video/")
        frame = await asyncio.to_thread(extract_frame, video.path, at)
        source = self.store.get_job(video.job_id)
        operation = {"name": "save_frame", "source_asset_id": video.id,
                     "source_sha256": video.sha256, "requested_seconds": at,
                     "seconds": round(frame.seconds, 6), "pts": frame.pts,
                     "frame_index": frame.index, "last_frame": frame.last}
        name = "frame-last.png" if frame.last else f"frame-{frame.seconds:.3f}s.png"
        return await asyncio.to_thread(
            save_local, self.studio, LocalKind.FRAME, frame.png, name, operation,
            [Parent(0, video.id, Role.SOURCE, video.sha256)], source.prompt if source else "")

    def save_mask(self, image_ref: str, mask_png: bytes, edited_from: str | None = None
                  ) -> Asset:
        """A painted mask over an image asset, stored as an asset of its own (greyscale PNG
        the image's size; another size is scaled, and the provenance says so). A mask
        edited from an earlier one (`edited_from`) has that mask as a parent too."""
        image = self._asset(image_ref, media="image/")
        previous = self.mask_asset(edited_from) if edited_from else None
        if edited_from and previous is None:
            raise MaskError(f"asset {edited_from!r} is not a mask of this studio")
        return self._store_mask(image, mask_png, previous)

    def mask_asset(self, ref: str) -> Asset | None:
        """The asset when it is a mask the studio stored (painted or from a file)."""
        asset = self.find_asset(ref)
        job = self.store.get_job(asset.job_id) if asset is not None else None
        if job is None or not is_local(job) or job.mode != LocalKind.MASK.value:
            return None
        return asset

    def mask_source(self, ref: str) -> Asset | None:
        """The image a mask asset was painted over (its source parent), or None when the
        mask has no image of this studio under it (or `ref` is not a mask)."""
        mask = self.mask_asset(ref)
        if mask is None:
            return None
        for parent in self.studio.lineage_records.parents(mask.job_id):
            if parent.role is Role.SOURCE:
                found = self.store.get_asset(parent.asset_id)
                if found is not None and found.media_type.startswith("image/"):
                    return found
        return None

    def _store_mask(self, image: Asset | None, mask_png: bytes,
                    previous: Asset | None = None) -> Asset:
        from PIL import Image, UnidentifiedImageError

        from studio.core.masks import _greyscale

        try:
            with Image.open(io.BytesIO(mask_png)) as source:
                grey = _greyscale(source)
        except (UnidentifiedImageError, OSError) as exc:
            raise MaskError(f"the mask is not a readable image ({exc})") from None
        operation: dict[str, Any] = {"name": "mask",
                                     "image_asset_id": image.id if image else None,
                                     "size": list(grey.size)}
        if image and image.width and image.height and grey.size != (image.width,
                                                                    image.height):
            operation["scaled_from"] = list(grey.size)
            grey = grey.resize((image.width, image.height), Image.Resampling.BILINEAR)
            operation["size"] = list(grey.size)
        histogram = grey.histogram()
        operation["coverage"] = round(sum(histogram[128:]) / max(1, sum(histogram)), 4)
        parents = [Parent(0, image.id, Role.SOURCE, image.sha256)] if image else []
        if previous is not None:  # an edit of an earlier mask: that mask is a parent too
            operation["edited_from"] = previous.id
            parents.append(Parent(len(parents), previous.id, Role.MASK, previous.sha256))
        return save_local(self.studio, LocalKind.MASK, png_bytes(grey), "mask.png", operation,
                          parents)

    def outpaint_canvas(self, image_ref: str, extension: Extension) -> tuple[Asset, Asset]:
        """The image on a larger canvas and the mask of the new area, both new assets (for
        models that outpaint from image + mask)."""
        from PIL import Image

        image = self._asset(image_ref, media="image/")
        with Image.open(image.path) as source:
            source.load()
            canvas, mask = extend_canvas(source, extension)
        operation = {"name": "outpaint_canvas", "image_asset_id": image.id,
                     **extension.as_params(), "size": list(canvas.size)}
        made = save_local(self.studio, LocalKind.CANVAS, png_bytes(canvas), "canvas.png",
                          operation, [Parent(0, image.id, Role.SOURCE, image.sha256)])
        mask_asset = save_local(self.studio, LocalKind.MASK, png_bytes(mask), "mask.png",
                                {**operation, "name": "outpaint_mask"},
                                [Parent(0, made.id, Role.SOURCE, made.sha256)])
        return made, mask_asset

    def prepare_request(self, request: RenderRequest) -> RenderRequest:
        """Before submitting from a file-based front end (CLI, drops): a mask file becomes
        a mask asset (so the job's mask is kept and reusable), and an outpaint for an image
        + mask model gets its canvas (prepare_outpaint)."""
        request = self.prepare_outpaint(request)
        mask = request.mask
        if mask and not mask.startswith(ASSET_PREFIX) and not is_url(mask):
            path = Path(mask).expanduser()
            if path.is_file():
                first = request.input_images[0] if request.input_images else ""
                image = self.find_asset(self.input_ref(first)) if first else None
                if image is None and first and Path(first).expanduser().is_file():
                    image = self._asset_by_bytes(Path(first).expanduser())
                stored = self._store_mask(image, path.read_bytes())
                request = request.model_copy(update={"mask": f"{ASSET_PREFIX}{stored.id}"})
        return request

    def _asset_by_bytes(self, path: Path) -> Asset | None:
        import hashlib

        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = self.store.query("SELECT id FROM assets WHERE sha256=? ORDER BY created_at "
                                "LIMIT 1", (sha,))
        return self.store.get_asset(rows[0][0]) if rows else None

    def prepare_outpaint(self, request: RenderRequest) -> RenderRequest:
        """An outpaint request for a model that takes image + mask: its left/right/up/down
        params become an extended canvas and a mask (new assets). Models with their own
        outpaint fields (Stability) get the request unchanged."""
        if request.mode is not Mode.OUTPAINT or request.mask or not request.input_images:
            return request
        model = self.studio.providers[request.provider].model(request.model)
        if set(OUTPAINT_SIDES) & set(model.params.model_fields) or not model.capabilities.mask:
            return request
        params = dict(request.params)
        try:
            extension = Extension(**{side: int(params.pop(side, 0) or 0)
                                     for side in OUTPAINT_SIDES})
        except (TypeError, ValueError) as exc:
            raise MaskError(f"left, right, up and down are whole pixel counts ({exc})") from None
        if extension.empty:
            return request
        first = self.input_ref(request.input_images[0])
        if is_url(first):
            raise MaskError("outpainting with a canvas needs a local image or an asset, not "
                            "a URL")
        if not first.startswith(ASSET_PREFIX):
            first = f"{ASSET_PREFIX}{self.import_image(first).id}"
        canvas, mask = self.outpaint_canvas(first, extension)
        images = [f"{ASSET_PREFIX}{canvas.id}", *request.input_images[1:]]
        return request.model_copy(update={"input_images": images, "params": params,
                                          "mask": f"{ASSET_PREFIX}{mask.id}"})


def _safe_name(name: str) -> str:
    """A file name for an imported image: its own, without path or odd characters."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)
    return cleaned.lstrip(".") or "image.png"
