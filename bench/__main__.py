"""Run the benchmarks and print their figures: `python -m bench [NAME ...]`."""

from __future__ import annotations

import importlib
import sys

BENCHES = ["runner_overhead", "polling_latency", "gui_startup", "gui_gallery",
           "gui_responsiveness", "metrics", "crash_resume", "view_reads", "budget_check",
           "iteration", "mask_paint", "stitch",
           "dashboard_stats", "keyring_lookup"]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown bench {unknown}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names:
        importlib.import_module(f"bench.{name}").main([])
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
