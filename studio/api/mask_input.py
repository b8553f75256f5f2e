"""The generate body's `mask`: an asset of this studio (`asset:<id>`), an https URL, or a
data URI like the input images. File paths are refused (as for input images): an API
client must not make the studio read arbitrary local files and send them to a provider.
"""

from __future__ import annotations

from pathlib import Path

from studio.api.uploads import TooManyPixels, decode_images, save_images
from studio.core.inputs import ASSET_PREFIX
from studio.core.requests import FieldError, RequestError
from studio.core.service import Studio

FIELD = "mask"


def _refuse(message: str) -> RequestError:
    return RequestError([FieldError(FIELD, message)])


def resolve_mask(studio: Studio, value: str | None, folder: Path
                 ) -> tuple[str | None, list[Path]]:
    """(the mask as the request names it, files this call created). Blocking (a data URI
    is decoded and written): run it in a thread. RequestError (TooManyPixels for a
    decompression bomb) names the field `mask`."""
    if value is None:
        return None, []
    text = value.strip()
    if text.startswith(ASSET_PREFIX):
        asset = studio.asset(text.removeprefix(ASSET_PREFIX).strip())
        if asset is None:
            raise _refuse(f"no asset {text.removeprefix(ASSET_PREFIX)!r} in this studio")
        if not asset.media_type.startswith("image/"):
            raise _refuse(f"asset {asset.id} is {asset.media_type}, not an image")
        return f"{ASSET_PREFIX}{asset.id}", []
    if text.lower().startswith("https://"):
        return text, []
    if text.lower().startswith("data:"):
        try:
            images = decode_images([text], field=FIELD)
        except TooManyPixels as exc:
            raise TooManyPixels([FieldError(FIELD, e.message) for e in exc.errors]) from None
        except RequestError as exc:
            raise RequestError([FieldError(FIELD, e.message) for e in exc.errors]) from None
        paths, created = save_images(images, folder)
        return paths[0], created
    raise _refuse("expected asset:<id>, an https:// URL or a data URI "
                  "(data:image/png;base64,...); file paths are not accepted")
