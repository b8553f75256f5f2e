"""Clips joined into one MP4: stream copy when they match, a re-encode when they do not.

PyAV only (no system ffmpeg). When every clip has the same video codec, size, frame rate,
time base, pixel format and codec setup, and no transition asks for a crossfade, packets
are remuxed with rebased timestamps (near-instant, no quality lost). Otherwise frames are
decoded and re-encoded as H.264 yuv420p at the most common size and frame rate (clips of
another size are letterboxed), with crossfades where asked. Audio is kept when any clip
has it (silence for the clips without). The file is written beside `out` as a `.part`
and renamed over it only when complete; a cancel or a failure leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # numpy loads when a clip is re-encoded, not with the GUI (bench/gui_startup)
    import numpy as np

TransitionKind = Literal["cut", "crossfade"]

AUDIO_RATE = 48_000
AUDIO_LAYOUT = "stereo"
_AUDIO_FRAME = 1024  # AAC frame size


@dataclass(frozen=True)
class Transition:
    kind: TransitionKind = "cut"
    seconds: float = 0.0  # the crossfade's length (ignored for a cut)


@dataclass(frozen=True)
class Segment:
    path: Path
    transition_after: Transition = Transition()


@dataclass(frozen=True)
class SegmentSpan:
    """Where one input clip sits in the stitched file (seconds from its start)."""
    path: Path
    sha256: str
    in_seconds: float
    out_seconds: float


@dataclass(frozen=True)
class StitchResult:
    path: Path
    sha256: str
    duration_seconds: float
    width: int
    height: int
    fps: float
    method: Literal["copy", "reencode"]
    segments: tuple[SegmentSpan, ...]
    has_audio: bool = False


class StitchCancelled(Exception):
    """The stitch was cancelled; nothing was written."""


class StitchError(ValueError):
    """The clips cannot be stitched (no clips, a missing or undecodable file, bad input)."""


@dataclass
class _Probe:
    path: Path
    sha256: str
    codec: str
    width: int
    height: int
    fps: Fraction
    time_base: Fraction
    pix_fmt: str | None
    extradata: bytes | None
    start: float  # seconds of the first video frame (pts)
    end: float  # seconds when the last video frame stops showing
    audio: tuple[str, int, str] | None  # codec, sample rate, layout
    audio_time_base: Fraction | None = None
    frames: int = 0

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass
class _Progress:
    callback: Callable[[float], None] | None
    cancel: threading.Event | None
    total: float
    done: float = 0.0
    last_sent: float = field(default=-1.0)

    def step(self, amount: float = 1.0) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise StitchCancelled("the stitch was cancelled")
        self.done += amount
        if self.callback is not None and self.total > 0:
            value = min(1.0, self.done / self.total)
            if value - self.last_sent >= 0.01:
                self.last_sent = value
                self.callback(value)

    def finish(self) -> None:
        if self.callback is not None:
            self.callback(1.0)


def stitch(segments: Sequence[Segment], out: Path, *,
           progress: Callable[[float], None] | None = None,
           cancel: threading.Event | None = None) -> StitchResult:
    """Join `segments` in order into the MP4 at `out` (replaced atomically)."""
    if not segments:
        raise StitchError("there are no clips to stitch")
    for segment in segments:
        t = segment.transition_after
        if t.kind not in ("cut", "crossfade"):
            raise StitchError(f"unknown transition {t.kind!r} (cut or crossfade)")
        if t.seconds < 0 or t.seconds != t.seconds:
            raise StitchError("a transition's length must be 0 seconds or more")
    probes = [_probe(Path(s.path)) for s in segments]
    if cancel is not None and cancel.is_set():
        raise StitchCancelled("the stitch was cancelled")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    import av

    try:
        try:
            if _can_copy(segments, probes):
                result = _copy(probes, tmp, progress, cancel)
            else:
                result = _reencode(segments, probes, tmp, progress, cancel)
        except av.FFmpegError as exc:  # a clip damaged past its header
            raise StitchError(f"the clips could not be stitched ({exc})") from None
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StitchResult(out, _sha256(out), *result[2:])


# --- probing ---------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _probe(path: Path) -> _Probe:
    import av

    if not path.is_file():
        raise StitchError(f"{path.name}: no such file")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise StitchError(f"{path.name} has no video stream")
            video = container.streams.video[0]
            audio = container.streams.audio[0] if container.streams.audio else None
            tb = video.time_base
            if tb is None:
                raise StitchError(f"{path.name}: the video has no time base")
            rate = video.average_rate or video.guessed_rate or video.base_rate
            first: int | None = None
            end: int | None = None
            frames = 0
            for packet in container.demux(video):
                if packet.pts is None or packet.size == 0:
                    continue
                frames += 1
                first = packet.pts if first is None else min(first, packet.pts)
                stop = packet.pts + (packet.duration or 0)
                end = stop if end is None else max(end, stop)
            if first is None or end is None:
                raise StitchError(f"{path.name}: the video has no frames")
            if not rate:
                span = float((end - first) * tb)
                rate = Fraction(frames / span).limit_denominator(1001) if span > 0 else Fraction(25)
            fps = Fraction(rate)
            span_frames = float((end - first) * tb) * float(fps)
            if end == first or (frames > 1 and span_frames < frames - 0.5):
                # Packets without durations: the last frame shows for one frame period.
                end = max(end, first + round((frames / fps) / tb))
            ctx = video.codec_context
            audio_key = None
            if audio is not None:
                layout = audio.layout.name if audio.layout is not None else "stereo"
                audio_key = (audio.codec_context.name, int(audio.rate or 0), layout)
            audio_tb = audio.time_base if audio is not None else None
            return _Probe(path, _sha256(path), ctx.name, ctx.width, ctx.height, fps, Fraction(tb),
                          ctx.pix_fmt, bytes(ctx.extradata) if ctx.extradata else None,
                          float(first * tb), float(end * tb), audio_key,
                          Fraction(audio_tb) if audio_tb else None, frames)
    except av.FFmpegError as exc:
        raise StitchError(f"{path.name} could not be read as a video ({exc})") from None


def _can_copy(segments: Sequence[Segment], probes: list[_Probe]) -> bool:
    if any(s.transition_after.kind == "crossfade" and s.transition_after.seconds > 0
           for s in segments[:-1]):
        return False
    head = probes[0]
    video_key = (head.codec, head.width, head.height, head.fps, head.time_base, head.pix_fmt,
                 head.extradata)
    for p in probes:
        if (p.codec, p.width, p.height, p.fps, p.time_base, p.pix_fmt, p.extradata) != video_key:
            return False
    audio = {p.audio for p in probes}
    if len(audio) > 1:  # some with audio and some without, or different audio
        return False
    return head.codec in ("h264", "hevc", "mpeg4", "av1", "vp9")


# --- stream copy -----------------------------------------------------------------------

_Result = tuple[Path, str, float, int, int, float, Literal["copy", "reencode"],
                tuple[SegmentSpan, ...], bool]


def _copy(probes: list[_Probe], tmp: Path, callback: Callable[[float], None] | None,
          cancel: threading.Event | None) -> _Result:
    import av

    head = probes[0]
    spans: list[SegmentSpan] = []
    ticker = _Progress(callback, cancel, float(sum(p.frames for p in probes)))
    offset = 0.0  # where the next clip starts in the output, seconds
    with av.open(str(tmp), mode="w", format="mp4") as output:
        out_video: Any = None
        out_audio: Any = None
        last_dts: dict[str, int] = {}
        for p in probes:
            with av.open(str(p.path)) as source:
                v_in = source.streams.video[0]
                a_in = source.streams.audio[0] if source.streams.audio else None
                if out_video is None:
                    out_video = output.add_stream_from_template(v_in)
                    if a_in is not None:
                        out_audio = output.add_stream_from_template(a_in)
                streams = [v_in] + ([a_in] if a_in is not None and out_audio is not None else [])
                for packet in source.demux(streams):
                    if packet.pts is None or packet.size == 0:
                        continue
                    is_video = packet.stream.type == "video"
                    tb = packet.time_base
                    shift = round((offset - p.start) / tb)
                    if not is_video and float(packet.pts * tb) >= p.end:
                        continue  # audio past the clip's last frame would overlap the next
                    pts = packet.pts + shift
                    dts = (packet.dts if packet.dts is not None else packet.pts) + shift
                    key = "v" if is_video else "a"
                    if key in last_dts and dts <= last_dts[key]:
                        if not is_video:
                            continue  # a priming overlap at a cut: drop the audio packet
                        bump = last_dts[key] + 1 - dts
                        dts += bump
                        pts = max(pts, dts)
                    if not is_video and pts < 0:
                        continue
                    last_dts[key] = dts
                    packet.pts, packet.dts = pts, dts
                    packet.stream = out_video if is_video else out_audio
                    output.mux(packet)
                    if is_video:
                        ticker.step()
            end = offset + p.duration
            spans.append(SegmentSpan(p.path, p.sha256, round(offset, 6), round(end, 6)))
            offset = end
    ticker.finish()
    return (tmp, "", round(offset, 6), head.width, head.height, float(head.fps), "copy",
            tuple(spans), head.audio is not None)


# --- re-encode -------------------------------------------------------------------------

def _most_common(values: list[Any]) -> Any:
    counts = Counter(values)
    best = max(counts.values())
    return next(v for v in values if counts[v] == best)  # ties: the earliest clip's


def _reencode(segments: Sequence[Segment], probes: list[_Probe], tmp: Path,
              callback: Callable[[float], None] | None,
              cancel: threading.Event | None) -> _Result:
    import av
    import numpy as np

    width, height = _most_common([(p.width, p.height) for p in probes])
    width, height = width - width % 2, height - height % 2
    fps = _most_common([p.fps for p in probes])
    counts = [max(1, round(p.duration * fps)) for p in probes]
    overlaps = []
    for i, segment in enumerate(segments[:-1]):
        t = segment.transition_after
        frames = round(t.seconds * fps) if t.kind == "crossfade" else 0
        overlaps.append(max(0, min(frames, counts[i] - 1, counts[i + 1] - 1)))
    overlaps.append(0)
    with_audio = any(p.audio is not None for p in probes)
    total = sum(counts) - sum(overlaps)
    ticker = _Progress(callback, cancel, float(sum(counts)))
    spans: list[SegmentSpan] = []

    with av.open(str(tmp), mode="w", format="mp4") as output:
        video = output.add_stream("libx264", rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.codec_context.options = {"preset": "veryfast", "crf": "20"}
        audio = None
        if with_audio:
            audio = output.add_stream("aac", rate=AUDIO_RATE, layout=AUDIO_LAYOUT)
        written = 0  # video frames sent to the encoder
        held: list[np.ndarray] = []  # the previous clip's tail, waiting to be crossfaded
        pending_audio = np.zeros((2, 0), dtype=np.float32)
        audio_written = 0
        start_frame = 0  # output frame where the current clip begins
        for i, p in enumerate(probes):
            fade_in = overlaps[i - 1] if i > 0 else 0
            fade_out = overlaps[i]
            start_frame -= fade_in
            spans.append(SegmentSpan(p.path, p.sha256, round(float(start_frame / fps), 6),
                                     round(float((start_frame + counts[i]) / fps), 6)))
            tail: list[np.ndarray] = []
            for j, frame in enumerate(_frames(p, fps, counts[i], width, height)):
                ticker.step()
                if j < fade_in:
                    alpha = (j + 1) / (fade_in + 1)
                    frame = (held[j].astype(np.float32) * (1 - alpha)
                             + frame.astype(np.float32) * alpha + 0.5).astype(np.uint8)
                if j >= counts[i] - fade_out:
                    tail.append(frame)
                    continue
                _encode_frame(output, video, frame, written)
                written += 1
            held = tail
            if audio is not None:
                clip = _audio_of(p, counts[i] / fps)
                overlap = round(fade_in / fps * AUDIO_RATE)
                overlap = min(overlap, pending_audio.shape[1], clip.shape[1])
                if overlap:
                    ramp = np.linspace(0.0, 1.0, overlap, dtype=np.float32)
                    mixed = pending_audio[:, -overlap:] * (1 - ramp) + clip[:, :overlap] * ramp
                    pending_audio = np.concatenate([pending_audio[:, :-overlap], mixed,
                                                    clip[:, overlap:]], axis=1)
                else:
                    pending_audio = np.concatenate([pending_audio, clip], axis=1)
                keep = min(round(fade_out / fps * AUDIO_RATE), pending_audio.shape[1])
                ready = pending_audio.shape[1] - keep
                audio_written = _encode_audio(output, audio, pending_audio[:, :ready],
                                              audio_written)
                pending_audio = pending_audio[:, ready:]
            start_frame += counts[i]
        for frame in held:  # only when the last clip asked for a fade-out: never faded
            _encode_frame(output, video, frame, written)
            written += 1
        for packet in video.encode(None):
            output.mux(packet)
        if audio is not None:
            # Trim or pad the audio to the video's length, then flush.
            goal = round(total / fps * AUDIO_RATE) - audio_written
            if goal > 0:
                rest = pending_audio[:, :goal]
                if rest.shape[1] < goal:
                    rest = np.concatenate(
                        [rest, np.zeros((2, goal - rest.shape[1]), np.float32)], axis=1)
                audio_written = _encode_audio(output, audio, rest, audio_written)
            for packet in audio.encode(None):
                output.mux(packet)
    ticker.finish()
    return (tmp, "", round(float(total / fps), 6), width, height, float(fps), "reencode",
            tuple(spans), with_audio)


def _encode_frame(output: Any, stream: Any, pixels: np.ndarray, index: int) -> None:
    import av

    frame = av.VideoFrame.from_ndarray(pixels, format="yuv420p")
    frame.pts = index
    frame.time_base = Fraction(1) / Fraction(stream.average_rate or stream.codec_context.framerate)
    for packet in stream.encode(frame):
        output.mux(packet)


def _encode_audio(output: Any, stream: Any, samples: np.ndarray, written: int) -> int:
    import av
    import numpy as np

    for start in range(0, samples.shape[1], _AUDIO_FRAME):
        chunk = np.ascontiguousarray(samples[:, start:start + _AUDIO_FRAME], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=AUDIO_LAYOUT)
        frame.sample_rate = AUDIO_RATE
        frame.pts = written
        frame.time_base = Fraction(1, AUDIO_RATE)
        written += chunk.shape[1]
        for packet in stream.encode(frame):
            output.mux(packet)
    return written


def _frames(p: _Probe, fps: Fraction, count: int, width: int,
            height: int) -> Iterator[np.ndarray]:
    """Exactly `count` yuv420p frames (as (h*3/2, w) arrays) sampled at `fps`: output frame
    n shows the source frame on screen at n/fps (nearest), letterboxed to width x height."""
    import av

    half = 0.5 / float(fps)
    n = 0
    current: np.ndarray | None = None
    with av.open(str(p.path)) as source:
        stream = source.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in source.decode(stream):
            t = float(frame.time if frame.time is not None else 0.0) - p.start
            if current is not None:
                while n < count and n / float(fps) < t - half:
                    yield current
                    n += 1
            if n >= count:
                return
            current = _fit(frame, width, height)
    if current is None:
        raise StitchError(f"{p.path.name}: the video has no frames")
    while n < count:
        yield current
        n += 1


def _fit(frame: Any, width: int, height: int) -> np.ndarray:
    import numpy as np

    if frame.width == width and frame.height == height:
        return frame.to_ndarray(format="yuv420p")
    scale = min(width / frame.width, height / frame.height)
    sw = max(2, int(frame.width * scale) // 2 * 2)
    sh = max(2, int(frame.height * scale) // 2 * 2)
    small = frame.reformat(width=sw, height=sh, format="yuv420p").to_ndarray()
    canvas = np.empty((height * 3 // 2, width), dtype=np.uint8)
    canvas[:height] = 16  # black, limited range
    canvas[height:] = 128
    x, y = (width - sw) // 2 // 2 * 2, (height - sh) // 2 // 2 * 2
    canvas[y:y + sh, x:x + sw] = small[:sh]
    # The chroma planes follow the luma in the flat buffer: U then V, each (h/2, w/2).
    src, dst = small.reshape(-1), canvas.reshape(-1)
    s_luma, d_luma = sw * sh, width * height
    s_quarter, d_quarter = s_luma // 4, d_luma // 4
    for plane in (0, 1):
        s_plane = src[s_luma + plane * s_quarter:s_luma + (plane + 1) * s_quarter]
        d_plane = dst[d_luma + plane * d_quarter:d_luma + (plane + 1) * d_quarter]
        d_view = d_plane.reshape(height // 2, width // 2)
        d_view[y // 2:y // 2 + sh // 2, x // 2:x // 2 + sw // 2] = s_plane.reshape(sh // 2, sw // 2)
    return canvas


def _audio_of(p: _Probe, seconds: float) -> np.ndarray:
    """The clip's audio as (2, n) float32 at AUDIO_RATE, exactly `seconds` long
    (silence when it has none; trimmed or padded with silence otherwise)."""
    import av
    import numpy as np

    wanted = round(seconds * AUDIO_RATE)
    out = np.zeros((2, wanted), dtype=np.float32)
    if p.audio is None:
        return out
    resampler = av.AudioResampler(format="fltp", layout=AUDIO_LAYOUT, rate=AUDIO_RATE)
    pieces: list[np.ndarray] = []
    with av.open(str(p.path)) as source:
        stream = source.streams.audio[0]
        first: float | None = None
        for frame in source.decode(stream):
            if first is None and frame.time is not None:
                first = float(frame.time)
            for chunk in resampler.resample(frame):
                pieces.append(chunk.to_ndarray())
        for chunk in resampler.resample(None):
            pieces.append(chunk.to_ndarray())
    if not pieces:
        return out
    data = np.concatenate(pieces, axis=1).astype(np.float32)
    lead = round(max(0.0, (first or 0.0) - p.start) * AUDIO_RATE)  # audio starting late
    if lead < wanted:
        n = min(wanted - lead, data.shape[1])
        out[:, lead:lead + n] = data[:, :n]
    return out
