"""create_app: the sandbox's Starlette application, one mount per registered provider.

Every provider whose declaration names a sandbox (`ProviderInfo.sandbox`, "module:function")
is served under /<id>; a module may also offer `admin_routes(state)` for its own
/_sandbox/... switches. The S3 stand-in (/s3) serves the image host's presigned uploads.
"""

from __future__ import annotations

import importlib

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from . import admin, runpod_pods, s3
from .config import SandboxConfig
from .cut import quiet_server_logs
from .faults import sandbox_providers
from .state import SandboxState


def provider_mounts(state: SandboxState) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for info in sandbox_providers(state.config.provider_modules):
        assert info.sandbox is not None and info.sandbox_mount is not None
        module_name, _, function = info.sandbox.partition(":")
        module = importlib.import_module(module_name)
        routes.append(Mount(info.sandbox_mount, routes=getattr(module, function)(state)))
        extra = getattr(module, "admin_routes", None)
        if callable(extra):
            routes += extra(state)
    return routes


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox app; its shared state is reachable as `app.state.sandbox`."""
    state = SandboxState(config or SandboxConfig())
    quiet_server_logs()  # connections dropped by fault switches are not server errors
    app = Starlette(routes=[
        *provider_mounts(state),
        Mount("/s3", routes=s3.routes(state)),
        Mount(runpod_pods.MOUNT, routes=runpod_pods.routes(state)),
        *runpod_pods.admin_routes(state),
        *admin.routes(state),
    ])
    app.state.sandbox = state
    return app
