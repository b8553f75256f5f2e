"""Everything a live job writes under STUDIO_HOME is private: files 0600, dirs 0700."""

import logging
import os
import stat

import pytest

from studio.core import logsetup
from tests.core.live_helpers import flux, live_studio

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


@pytest.fixture
def studio_log():
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_studio", False)]:
        root.removeHandler(handler)
        handler.close()


async def test_db_logs_config_and_outputs_are_private(home, sandbox, studio_log):
    old_umask = os.umask(0o022)  # the usual default: without care files come out 0644
    studio = live_studio(home, sandbox)
    logsetup.configure(studio.paths, studio.redactor)
    try:
        logging.getLogger("studio.test").info("hello")
        job = await studio.wait((await studio.submit(flux())).id)
        assert job.status.value == "succeeded"
    finally:
        await studio.aclose()
        os.umask(old_umask)
    root = home.config_dir.parent
    seen = {p.relative_to(root).as_posix() for p in root.rglob("*")}
    for must in ("config/studio.json", "data/studio.db", "logs/studio.log"):
        assert must in seen
    assert any(s.startswith("logs/public_providers/") for s in seen)
    assert any(s.startswith("data/assets/") and s.endswith(".png") for s in seen)
    ours = (root, home.config_dir, home.data_dir, home.log_dir, home.assets_dir)
    loose = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if (path in ours and mode != 0o700) or (path.is_file() and mode & 0o077):
            loose.append((path.relative_to(root).as_posix(), oct(mode)))
    assert loose == []
