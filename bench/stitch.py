"""Stitching (issue 14): ten 5 s 1280x720 clips (made here with PyAV) joined by stream
copy (they match) and by re-encoding (one clip at another frame rate forces it; the same
for a crossfade). Targets: copy under 2 s; re-encode no slower than real time (50 s).

    python -m bench stitch
"""

from __future__ import annotations

import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.sequences.stitch import Segment, StitchResult, Transition, stitch

CLIPS, SECONDS, FPS, SIZE = 10, 5, 24, (1280, 720)


def _clip(path: Path, index: int, fps: int = FPS) -> Path:
    """A moving gradient with a block per clip, H.264 (libx264 ultrafast, like the sandbox)."""
    width, height = SIZE
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None, None]
    base = np.concatenate([np.broadcast_to(x, (height, width, 1)),
                           np.broadcast_to(y, (height, width, 1)),
                           np.full((height, width, 1), 40.0 * (index % 6))], axis=2)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.options = {"preset": "ultrafast", "crf": "26"}
        for n in range(SECONDS * fps):
            frame = np.roll(base, n * 6, axis=1).astype(np.uint8)
            frame[100:200, 100 + 10 * n % 900:200 + 10 * n % 900] = 255
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            vf.pts, vf.time_base = n, Fraction(1, fps)
            out.mux(stream.encode(vf))
        out.mux(stream.encode(None))
    return path


def _time(segments: list[Segment], out: Path, runs: int) -> tuple[list[float], StitchResult]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = stitch(segments, out)
        times.append(time.perf_counter() - start)
    return times, result


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="studio-bench-stitch-") as folder:
        root = Path(folder)
        print(f"making {CLIPS} clips of {SECONDS} s at {SIZE[0]}x{SIZE[1]} {FPS} fps ...")
        clips = [_clip(root / f"clip{i}.mp4", i) for i in range(CLIPS)]
        total = CLIPS * SECONDS
        copy_times, copied = _time([Segment(c) for c in clips], root / "copy.mp4", 5)
        print(f"stream copy: {total} s of video, method={copied.method}, "
              f"median {statistics.median(copy_times):.3f} s, max {max(copy_times):.3f} s "
              f"(target < 2 s)")
        odd = [*clips[:-1], _clip(root / "odd.mp4", 9, fps=30)]
        times, result = _time([Segment(c) for c in odd], root / "re.mp4", 1)
        speed = total / times[0]
        print(f"re-encode (one clip at 30 fps): method={result.method}, "
              f"{times[0]:.2f} s for {total} s of video = {speed:.2f}x real time "
              f"(target >= 1x)")
        faded = [Segment(c, Transition("crossfade", 0.5)) for c in clips]
        times, result = _time(faded, root / "fade.mp4", 1)
        print(f"re-encode with 9 crossfades of 0.5 s: {times[0]:.2f} s for "
              f"{result.duration_seconds:.1f} s of video = "
              f"{result.duration_seconds / times[0]:.2f}x real time")


if __name__ == "__main__":
    main([])
