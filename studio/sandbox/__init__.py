"""A local stand-in for every registered provider that speaks their HTTP protocols.

Each provider declaring a sandbox (`ProviderInfo.sandbox`) is served under `<url>/<id>`
(`<url>/fal`, `<url>/luma_agents`...); `<url>/s3` stands in for an S3 bucket (presigned
PUT/GET). Outputs are real PNG/JPEG/WebP/MP4 files served from `<url>/files/<name>`.

The names below load their module on first use: the desktop app starts the sandbox's
process (process.py, the standard library only) without loading the server itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio._lazy import lazy_exports

_EXPORTS = {
    "SandboxConfig": "config",
    "SandboxServer": "server",
    "SandboxStartError": "process",
    "create_app": "app",
    "spawn_sandbox_process": "process",
}
__all__ = ["SandboxConfig", "SandboxServer", "SandboxStartError", "create_app",
           "spawn_sandbox_process"]
__getattr__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:
    from studio.sandbox.app import create_app
    from studio.sandbox.config import SandboxConfig
    from studio.sandbox.process import SandboxStartError, spawn_sandbox_process
    from studio.sandbox.server import SandboxServer
