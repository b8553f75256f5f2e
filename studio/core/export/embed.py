"""Metadata inside exported copies, written into the container without re-encoding pixels.

PNG: an iTXt chunk `provider-studio` (the provenance JSON) and an A1111-style `parameters`
text chunk. JPEG and WebP: an XMP packet with the IPTC DigitalSourceType
trainedAlgorithmicMedia and a provenance summary. Chunks are spliced into the original
bytes, so a lossy file is never decoded and saved again.
"""

from __future__ import annotations

import datetime as dt
import json
import struct
import zlib
from typing import Any
from xml.sax.saxutils import escape

from studio import __version__
from studio.core.sent import sent_params

PNG_KEY = "provider-studio"
PARAMETERS_KEY = "parameters"
TRAINED_ALGORITHMIC_MEDIA = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia")
# What the sandbox renders (gradients and shapes drawn by code, no trained model).
ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
XMP_NAMESPACE = "urn:provider-studio:xmp:1#"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP_JPEG_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_MAX_JPEG_SEGMENT = 65533
_STEPS = ("num_inference_steps", "steps", "num_steps")
_CFG = ("guidance_scale", "cfg_scale", "guidance", "cfg")
_SAMPLER = ("sampler", "scheduler")
_STRENGTH = ("strength", "image_strength", "denoise")


class EmbedError(ValueError):
    """The file is not the container its media type claims."""


def embeddable(media_type: str) -> bool:
    return media_type in ("image/png", "image/jpeg", "image/webp")


def embed(data: bytes, media_type: str, record: dict[str, Any]) -> tuple[bytes, list[str]]:
    """The bytes with our metadata added, and what was added (for the export manifest)."""
    if media_type == "image/png":
        chunks = [itxt_chunk(PNG_KEY, json.dumps(record, sort_keys=True, default=str)),
                  text_chunk(PARAMETERS_KEY, a1111_parameters(record))]
        return png_with_chunks(data, chunks, replace={PNG_KEY, PARAMETERS_KEY}), [
            f"png:iTXt:{PNG_KEY}", f"png:text:{PARAMETERS_KEY}"]
    if media_type == "image/jpeg":
        return jpeg_with_xmp(data, xmp_packet(record)), ["xmp"]
    if media_type == "image/webp":
        return webp_with_xmp(data, xmp_packet(record)), ["xmp"]
    return data, []


# -- text ----------------------------------------------------------------------------------


def a1111_parameters(record: dict[str, Any]) -> str:
    """The `parameters` text AUTOMATIC1111 and the tools that read it understand: only
    settings the provider was sent (no denoising strength on a text-to-image call)."""
    params = sent_params(record.get("params"), record.get("request"))
    output = record.get("output") or {}
    lines = [str(record.get("prompt") or "")]
    if record.get("negative_prompt"):
        lines.append(f"Negative prompt: {record['negative_prompt']}")
    pairs: list[tuple[str, Any]] = []
    for label, names in (("Steps", _STEPS), ("Sampler", _SAMPLER), ("CFG scale", _CFG),
                         ("Denoising strength", _STRENGTH)):
        value = next((params[n] for n in names if params.get(n) is not None), None)
        if value is not None:
            pairs.append((label, value))
    seed = record.get("seed") if record.get("seed") is not None else record.get(
        "seed_requested")
    if seed is not None:
        pairs.append(("Seed", seed))
    if output.get("width") and output.get("height"):
        pairs.append(("Size", f"{output['width']}x{output['height']}"))
    provider = record.get("provider")
    if record.get("sandbox") and provider:
        provider = f"{provider} (sandbox render)"
    pairs += [("Model", record.get("model")), ("Provider", provider),
              ("Version", f"Provider Studio {__version__}")]
    lines.append(", ".join(f"{k}: {_a1111_value(v)}" for k, v in pairs if v is not None))
    return "\n".join(lines)


def _a1111_value(value: Any) -> str:
    text = str(value)
    return json.dumps(text) if any(c in text for c in ',:"\n') else text


def xmp_packet(record: dict[str, Any]) -> bytes:
    """An XMP packet: DigitalSourceType, description, creator tool and a summary."""
    created = (record.get("timings") or {}).get("created_at")
    summary = {
        "Provider": record.get("provider"), "Model": record.get("model"),
        "Mode": record.get("mode"), "Seed": record.get("seed"),
        "JobId": record.get("job_id"), "AssetId": record.get("asset_id"),
        "Schema": f"{record.get('schema')}/{record.get('version')}",
        "Sandbox": "true (sandbox render)" if record.get("sandbox") else None,
    }
    attrs = "".join(f'\n   ps:{k}="{_attr(v)}"' for k, v in summary.items() if v is not None)
    date = ""
    if isinstance(created, int | float) and created:
        stamp = dt.datetime.fromtimestamp(created).astimezone().isoformat(timespec="seconds")
        date = f'\n   xmp:CreateDate="{stamp}"'
    prompt = escape(str(record.get("prompt") or "")[:4000])
    source = ALGORITHMIC_MEDIA if record.get("sandbox") else TRAINED_ALGORITHMIC_MEDIA
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
   xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
   xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   xmlns:ps="{XMP_NAMESPACE}"
   Iptc4xmpExt:DigitalSourceType="{source}"
   xmp:CreatorTool="Provider Studio {__version__}"{date}{attrs}>
   <dc:description><rdf:Alt>
    <rdf:li xml:lang="x-default">{prompt}</rdf:li>
   </rdf:Alt></dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return text.encode("utf-8")


def _attr(value: Any) -> str:
    return escape(str(value), {'"': "&quot;", "\n": "&#10;"})


# -- PNG -----------------------------------------------------------------------------------


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def itxt_chunk(key: str, text: str) -> bytes:
    """Uncompressed UTF-8 iTXt (readable as is, and scannable for secrets)."""
    return _chunk(b"iTXt", key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode())


def text_chunk(key: str, text: str) -> bytes:
    """tEXt when the text is Latin-1, as A1111 writes it; iTXt otherwise."""
    try:
        return _chunk(b"tEXt", key.encode("latin-1") + b"\x00" + text.encode("latin-1"))
    except UnicodeEncodeError:
        return itxt_chunk(key, text)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes, int, int]]:
    """(type, payload, start, end) of every chunk; EmbedError if the file is not a PNG."""
    if not data.startswith(_PNG_SIGNATURE):
        raise EmbedError("not a PNG file")
    out, pos = [], len(_PNG_SIGNATURE)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise EmbedError("the PNG file is truncated")
        out.append((kind, data[pos + 8:pos + 8 + length], pos, end))
        pos = end
        if kind == b"IEND":
            break
    return out


def png_with_chunks(data: bytes, chunks: list[bytes], replace: set[str]) -> bytes:
    """Insert `chunks` before the first IDAT (where readers look), dropping old text chunks
    whose key is in `replace`."""
    out = bytearray(data[:len(_PNG_SIGNATURE)])
    inserted = False
    for kind, payload, start, end in png_chunks(data):
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            key = payload.split(b"\x00", 1)[0].decode("latin-1", "replace")
            if key in replace:
                continue
        if kind == b"IDAT" and not inserted:
            out += b"".join(chunks)
            inserted = True
        out += data[start:end]
    if not inserted:
        raise EmbedError("the PNG file has no image data")
    return bytes(out)


# -- JPEG ----------------------------------------------------------------------------------


def jpeg_with_xmp(data: bytes, xmp: bytes) -> bytes:
    """Put the XMP APP1 segment after JFIF/Exif headers, replacing an older XMP packet."""
    if not data.startswith(b"\xff\xd8"):
        raise EmbedError("not a JPEG file")
    payload = _XMP_JPEG_HEADER + xmp
    if len(payload) + 2 > _MAX_JPEG_SEGMENT:
        raise EmbedError("the XMP packet is too large for one JPEG segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    out = bytearray(b"\xff\xd8")
    pos, placed = 2, False
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if not 0xE0 <= marker <= 0xEF and marker != 0xFE:
            break  # tables or the frame start: the metadata area is over
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        seg = data[pos:pos + 2 + length]
        is_xmp = marker == 0xE1 and seg[4:4 + len(_XMP_JPEG_HEADER)] == _XMP_JPEG_HEADER
        if not is_xmp:
            if marker not in (0xE0, 0xE1) and not placed:
                out += segment
                placed = True
            out += seg
        pos += 2 + length
    if not placed:
        out += segment
    return bytes(out + data[pos:])


# -- WebP ----------------------------------------------------------------------------------


def webp_with_xmp(data: bytes, xmp: bytes) -> bytes:
    """Add an `XMP ` chunk; a simple (VP8/VP8L) file becomes extended (VP8X) to hold it."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise EmbedError("not a WebP file")
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4:pos + 8])
        chunks.append((kind, data[pos + 8:pos + 8 + size]))
        pos += 8 + size + (size & 1)
    if not chunks:
        raise EmbedError("the WebP file has no chunks")
    chunks = [(k, p) for k, p in chunks if k != b"XMP "]
    if chunks[0][0] == b"VP8X":
        header = bytearray(chunks[0][1])
        header[0] |= 0x04
        chunks[0] = (b"VP8X", bytes(header))
    else:
        width, height, alpha = _webp_size(*chunks[0])
        flags = 0x04 | (0x10 if alpha else 0)
        vp8x = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (
            height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", vp8x))
    chunks.append((b"XMP ", xmp))
    body = b"".join(k + struct.pack("<I", len(p)) + p + (b"\x00" if len(p) & 1 else b"")
                    for k, p in chunks)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def _webp_size(kind: bytes, payload: bytes) -> tuple[int, int, bool]:
    if kind == b"VP8 " and payload[3:6] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", payload[6:10])
        return w & 0x3FFF, h & 0x3FFF, False
    if kind == b"VP8L" and payload[:1] == b"\x2f":
        (bits,) = struct.unpack("<I", payload[1:5])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise EmbedError("unrecognised WebP image chunk")
