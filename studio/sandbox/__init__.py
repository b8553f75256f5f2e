"""A local stand-in for fal.ai, Runway, Stability and Luma that speaks their HTTP protocols.

Point an adapter's base URL at `<url>/fal`, `<url>/runway`, `<url>/stability` or
`<url>/luma`; outputs are real PNG/JPEG/WebP/MP4 files served from `<url>/files/<name>`.
"""

from .app import create_app
from .config import SandboxConfig
from .server import SandboxServer, SandboxStartError, spawn_sandbox_process

__all__ = [
    "SandboxConfig",
    "SandboxServer",
    "SandboxStartError",
    "create_app",
    "spawn_sandbox_process",
]
