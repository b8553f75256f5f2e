"""Settings for one sandbox instance; faults can override the timings at runtime."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxConfig:
    """How slow, how big and how rich the emulated providers are."""

    queue_seconds: float = 0.3
    run_seconds: float = 1.0
    video_fps: int = 12
    # Every rendered video gets an audio track (a request can also ask: generate_audio).
    video_audio: bool = False
    # Rendered videos are scaled down to this long side so tests and demos stay fast.
    max_video_side: int = 640
    # Stability answers synchronously after min(run_seconds, this) seconds.
    max_sync_delay: float = 0.5
    max_body_bytes: int = 64 * 1024 * 1024
    max_image_side: int = 4096
    runway_credits: int = 1000
    stability_credits: float = 1000.0
    luma_credits: float = 10_000.0  # USD cents, as Luma's /credits reports them
    log_lines: int = 8
    # None means the real clock; a number starts the sandbox clock frozen at that offset.
    frozen_clock: float | None = None
    # Each job's run time is scaled by a random factor in [1 - j, 1 + j] (0 = exact timings),
    # drawn from a generator seeded with jitter_seed so a run can be repeated.
    run_jitter: float = 0.0
    jitter_seed: int = 0
    # More provider modules to serve (besides the built-in ones), as `STUDIO_PROVIDER_MODULES`.
    provider_modules: tuple[str, ...] = ()
    # The secret the S3 stand-in signs with: the sandbox key every Studio in sandbox mode uses.
    s3_secret: str = "sandbox-key-not-secret"

    def __post_init__(self) -> None:
        if self.queue_seconds < 0 or self.run_seconds < 0:
            raise ValueError("queue_seconds and run_seconds must be >= 0")
        if self.video_fps < 1:
            raise ValueError("video_fps must be >= 1")
        if self.max_video_side < 16:
            raise ValueError("max_video_side must be >= 16")
        if not 0 <= self.run_jitter <= 1:
            raise ValueError("run_jitter must be between 0 and 1")
