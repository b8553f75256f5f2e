"""The bundle's `studio` executable: the desktop app.

`studio --bundle-check [REPORT.json]` is a hidden mode for packagers and
tests/packaging/test_bundle.py: it proves from inside the bundle that the Qt platform
plugins, image formats, the multimedia FFmpeg backend and the bundled font work.
"""

from __future__ import annotations

import sys

BUNDLE_CHECK = "--bundle-check"


def main(argv: list[str]) -> int:
    if argv[:1] == [BUNDLE_CHECK]:
        from bundle_check import main as check

        return check(argv[1:])
    from studio.app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
