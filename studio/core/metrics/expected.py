"""What a job asked for (size, fps, duration) and whether the output delivered it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# A duration is "as asked" within the larger of these: one frame of rounding at 24 fps is
# 42 ms, and providers commonly add or drop a few frames at either end.
DURATION_TOLERANCE_SECONDS = 0.2
DURATION_TOLERANCE_FRACTION = 0.03
# Frame rates are stored as rationals (30000/1001); 1 % covers 29.97 vs 30.
FPS_TOLERANCE_FRACTION = 0.01


@dataclass(frozen=True)
class Expected:
    """Leave a field None when the request did not fix it. fps and duration apply to videos."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    duration_seconds: float | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and not value > 0:
                raise ValueError(f"expected {name} must be positive, not {value!r}")

    def as_json(self) -> dict[str, float | int | None]:
        return asdict(self)


def mismatches(expected: Expected, width: int, height: int, fps: float | None = None,
               duration_seconds: float | None = None, *, is_video: bool) -> list[str]:
    """One sentence per way the output differs from what was asked; empty when it matches."""
    found: list[str] = []
    if expected.width is not None and width != expected.width:
        found.append(f"width is {width} px, asked {expected.width} px")
    if expected.height is not None and height != expected.height:
        found.append(f"height is {height} px, asked {expected.height} px")
    if not is_video:
        return found
    if expected.fps is not None:
        if not fps:
            found.append(f"frame rate is unknown, asked {expected.fps:g} fps")
        elif abs(fps - expected.fps) > FPS_TOLERANCE_FRACTION * expected.fps:
            found.append(f"frame rate is {fps:.3g} fps, asked {expected.fps:g} fps")
    if expected.duration_seconds is not None:
        asked = expected.duration_seconds
        slack = max(DURATION_TOLERANCE_SECONDS, DURATION_TOLERANCE_FRACTION * asked)
        if duration_seconds is None:
            found.append(f"duration is unknown, asked {asked:g} s")
        elif abs(duration_seconds - asked) > slack:
            found.append(f"duration is {duration_seconds:.2f} s, asked {asked:g} s")
    return found
