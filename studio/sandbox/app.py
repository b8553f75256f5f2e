"""create_app: the sandbox's Starlette application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount

from . import (
    admin,
    comfyui,
    fal,
    firefly,
    luma,
    luma_agents,
    runpod,
    runway,
    stability,
    vividflow,
)
from .config import SandboxConfig
from .cut import quiet_server_logs
from .state import SandboxState


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """The sandbox app; its shared state is reachable as `app.state.sandbox`."""
    state = SandboxState(config or SandboxConfig())
    quiet_server_logs()  # connections dropped by fault switches are not server errors
    app = Starlette(
        routes=[
            Mount("/fal", routes=fal.routes(state)),
            Mount("/runway", routes=runway.routes(state)),
            Mount("/stability", routes=stability.routes(state)),
            Mount("/luma", routes=luma.routes(state)),
            Mount("/comfyui", routes=comfyui.routes(state)),
            Mount("/runpod", routes=runpod.routes(state)),
            Mount("/vividflow", routes=vividflow.routes(state)),
            Mount("/firefly", routes=firefly.routes(state)),
            Mount("/luma-agents", routes=luma_agents.routes(state)),
            *vividflow.admin_routes(state),
            *admin.routes(state),
        ]
    )
    app.state.sandbox = state
    return app
