"""The automation API: the Studio service over HTTP on 127.0.0.1, behind a bearer token.

`ApiServer` runs uvicorn on the current asyncio loop; `ApiSwitch` keeps one in step with
`settings.automation_api` (the GUI); `studio-cli serve` runs one headless.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Imported on first use: the GUI builds its ApiSwitch at start-up, but the server
# (Starlette, uvicorn, the schemas) is only needed once the API is switched on.
_EXPORTS = {"ApiServer": "server", "ApiStartError": "server", "ApiToken": "auth"}
__all__ = ["ApiServer", "ApiStartError", "ApiToken"]

if TYPE_CHECKING:
    from studio.api.auth import ApiToken
    from studio.api.server import ApiServer, ApiStartError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)
