"""The automation API: the Studio service over HTTP on 127.0.0.1, behind a bearer token.

`ApiServer` runs uvicorn on the current asyncio loop; `ApiSwitch` keeps one in step with
`settings.automation_api` (the GUI); `studio-cli serve` runs one headless.
"""

from studio.api.auth import ApiToken
from studio.api.server import ApiServer, ApiStartError

__all__ = ["ApiServer", "ApiStartError", "ApiToken"]
