"""How an input image travels in a request: its URL when it has one, else inline bytes."""

from __future__ import annotations

import base64

from studio.providers.base import InputImage


def data_uri(image: InputImage) -> str:
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode()}"


def uri_for(image: InputImage) -> str:
    """The URL the provider fetches (an https input or an upload), else a data URI."""
    return image.url or data_uri(image)
