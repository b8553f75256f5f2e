"""Every studio-cli command in one table: name -> help, parser builder, handler.

A builder adds the command's arguments to its subparser; a handler runs it against the
Studio service and returns the exit code (0 success or dry-run, 1 a job or call failed;
bad input raises UsageError, RequestError or ValueError: exit 2). A command with
`opens_studio=False` gets the StudioPaths instead (it must work when the database cannot
be opened). Rows appear in `studio-cli --help` in this order.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from studio.cli import (
    assist,
    batch,
    budget,
    chain,
    compare,
    config,
    db,
    export,
    generate,
    jobs,
    keys,
    lineage,
    metrics,
    pods,
    presets,
    providers,
    resume,
    serve,
    stats,
    storyboard,
    workflows,
)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    build: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Any, argparse.Namespace], Awaitable[int]]  # Studio (or StudioPaths)
    opens_studio: bool = True


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("providers", "the provider catalog", providers.build, providers.run),
    Command("config", "read or change settings", config.build, config.run),
    Command("keys", "API keys in the OS keyring", keys.build, keys.run),
    Command("budget", "spend budgets: what was spent and what is left", budget.build,
            budget.run),
    Command("generate", "send (or dry-run) one request", generate.build, generate.run),
    Command("chain", "animate one image into N chained clips, stitched into one film",
            chain.build, chain.run),
    Command("chains", "video chains: list, show, resume, regenerate a link, cancel",
            chain.build_chains, chain.run_chains),
    Command("jobs", "list jobs", jobs.build_list, jobs.run_list),
    Command("job", "one job in full (--refresh asks the provider now)", jobs.build_show,
            jobs.run_show),
    Command("wait", "wait for jobs to finish (sending or polling them from here)",
            jobs.build_wait, jobs.run_wait),
    Command("cancel", "cancel a job", jobs.build_cancel, jobs.run_cancel),
    Command("lineage", "an asset's parents and children (what it was made from and into)",
            lineage.build, lineage.run),
    Command("resume", "resume unfinished live jobs and wait for them", resume.build_resume,
            resume.run_resume),
    Command("replay", "re-run a saved dry-run payload (never the network)",
            resume.build_replay, resume.run_replay),
    Command("batch", "send a list of prompts (text or CSV) to one or more models as one "
            "batch", batch.build, batch.run),
    Command("compare", "fan one prompt out to several models as a group", compare.build_compare,
            compare.run_compare),
    Command("groups", "list compare groups", compare.build_groups, compare.run_groups),
    Command("group", "one compare group with its cells and votes", compare.build_group,
            compare.run_group),
    Command("group-rerun", "send a group (or one cell) again, same requests",
            compare.build_rerun, compare.run_rerun),
    Command("group-add", "add a target to an existing compare group", compare.build_add,
            compare.run_add),
    Command("vote", "vote on a compare group's newest outputs", compare.build_vote,
            compare.run_vote),
    Command("scoreboard", "one artist's ranking of provider/models", compare.build_scoreboard,
            compare.run_scoreboard),
    Command("stats", "spend & speed: spend per day, latency, success rates, scoreboard",
            stats.build, stats.run),
    Command("export", "copy outputs to a folder with metadata and sidecars",
            export.build_export, export.run_export),
    Command("verify", "what a file's content credentials and sidecar say",
            export.build_verify, export.run_verify),
    Command("contact-sheet", "PNG + HTML sheet of a compare group", export.build_sheet,
            export.run_sheet),
    Command("metrics", "quality metrics of files or outputs (stored with outputs)",
            metrics.build, metrics.run),
    Command("assist", "the prompt assistant: enhance, adapt, analyze, story, judge",
            assist.build, assist.run),
    Command("storyboard", "storyboards: scenes made keyframe -> clip, approved, stitched",
            storyboard.build, storyboard.run),
    Command("serve", "serve the automation API on 127.0.0.1 until Ctrl+C", serve.build,
            serve.run),
    Command("workflows", "ComfyUI workflows imported as models", workflows.build,
            workflows.run),
    Command("presets", "named parameter sets per model: list, export, import",
            presets.build, presets.run),
    Command("pods", "RunPod pods: your own GPU by the hour (ComfyUI on it)", pods.build,
            pods.run),
    Command("db", "check the job database, or set a damaged one aside", db.build, db.run,
            opens_studio=False),
)}
