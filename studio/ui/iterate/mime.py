"""Outputs on the clipboard and in drags, and what a drop or a paste brings: asset ids
(from the Gallery, Viewer, Compare or Inspector), image files, https:// URLs, or an image
given as data by another app (stored as an asset with Studio.import_image)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from studio.ui.iterate.request import asset_ref

if TYPE_CHECKING:
    from studio.core.service import Studio

ASSET_IDS_MIME = "application/x-provider-studio-assets"  # newline-separated asset ids
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_CLIPBOARD_BYTES = 40 * 1024 * 1024  # larger pictures go on the clipboard as files only


def asset_mime(studio: Studio, ids: list[str], *, picture: bool = False) -> QMimeData:
    """The ids (for Compose and boards) and the files (for a file manager); with
    `picture`, the first image's pixels too (for other apps)."""
    data = QMimeData()
    data.setData(ASSET_IDS_MIME, "\n".join(ids).encode())
    found = studio.assets(ids)
    data.setUrls([QUrl.fromLocalFile(found[i].path) for i in ids if i in found])
    first = next((found[i] for i in ids if i in found), None)
    if picture and first is not None and first.media_type.startswith("image/") and \
            first.bytes <= MAX_CLIPBOARD_BYTES:
        image = QImage(first.path)
        if not image.isNull():
            data.setImageData(image)
    return data


def copy_assets(studio: Studio, ids: list[str]) -> bool:
    """Put outputs on the clipboard: Compose pastes them as assets, other apps get files
    and the picture."""
    if not ids:
        return False
    clipboard = QGuiApplication.clipboard()
    clipboard.setMimeData(asset_mime(studio, ids, picture=True))
    return True


@dataclass
class Dropped:
    """What a drop or a paste holds, sorted by kind (assets win over their own files)."""

    asset_ids: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    image: QImage | None = None

    @property
    def empty(self) -> bool:
        return not (self.asset_ids or self.files or self.urls or self.image is not None)


def read_mime(mime: QMimeData | None) -> Dropped:
    out = Dropped()
    if mime is None:
        return out
    if mime.hasFormat(ASSET_IDS_MIME):
        text = bytes(mime.data(ASSET_IDS_MIME).data()).decode(errors="replace")
        out.asset_ids = [i.strip() for i in text.split("\n") if i.strip()]
        return out
    for url in mime.urls():
        if url.isLocalFile():
            path = url.toLocalFile()
            if Path(path).suffix.lower() in IMAGE_SUFFIXES:
                out.files.append(path)
        elif url.scheme() in ("https", "http"):
            out.urls.append(url.toString())
    if not out.files and not out.urls and mime.hasText():
        out.urls = [w for w in mime.text().split() if w.lower().startswith(("https://",
                                                                             "http://"))]
    if not out.files and not out.urls and mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            out.image = image
    return out


def accepts(mime: QMimeData | None) -> bool:
    return not read_mime(mime).empty


def to_refs(studio: Studio, dropped: Dropped) -> list[str]:
    """Input references for Compose: assets as `asset:<id>`, files and URLs as they are,
    an image given as data stored as an asset first. Raises ValueError (InputError) for
    an image that cannot be used."""
    refs = [asset_ref(i) for i in dropped.asset_ids if studio.asset(i) is not None]
    refs += dropped.files + dropped.urls
    if dropped.image is not None:
        refs.append(asset_ref(import_picture(studio, dropped.image)))
    return refs


def import_picture(studio: Studio, image: QImage) -> str:
    """An image that came as pixels (no file) as a new asset; returns its id."""
    with tempfile.TemporaryDirectory(prefix="studio-drop-") as folder:
        path = Path(folder) / "dropped.png"
        if not image.save(str(path)):  # PNG, from the name
            raise ValueError("the dropped picture could not be read")
        return studio.import_image(path).id
