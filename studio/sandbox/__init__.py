"""A local stand-in for every registered provider that speaks their HTTP protocols.

Each provider declaring a sandbox (`ProviderInfo.sandbox`) is served under `<url>/<id>`
(`<url>/fal`, `<url>/luma_agents`...); `<url>/s3` stands in for an S3 bucket (presigned
PUT/GET). Outputs are real PNG/JPEG/WebP/MP4 files served from `<url>/files/<name>`.
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
