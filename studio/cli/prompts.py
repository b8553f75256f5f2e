"""--prompt TEXT or --prompt-file PATH (`-` reads stdin): long prompts without the shell."""

from __future__ import annotations

import argparse
import sys

from studio.cli.common import UsageError

# Far above any provider's limit (the request check names the real one); reading stops here.
MAX_PROMPT_FILE_BYTES = 1_000_000


def add_prompt_args(p: argparse.ArgumentParser) -> None:
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--prompt")
    group.add_argument("--prompt-file", metavar="PATH",
                       help="read the prompt from a UTF-8 text file (- for stdin)")


def prompt_from(args: argparse.Namespace) -> str:
    if args.prompt is not None:
        return str(args.prompt)
    path = args.prompt_file
    where = "stdin" if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)  # a StringIO (tests) has none
            data = (stream.read(MAX_PROMPT_FILE_BYTES + 1) if stream is not None
                    else sys.stdin.read(MAX_PROMPT_FILE_BYTES + 1).encode("utf-8"))
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_PROMPT_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--prompt-file {where}: {exc.strerror or exc}") from None
    if len(data) > MAX_PROMPT_FILE_BYTES:
        raise UsageError(f"--prompt-file {where}: larger than {MAX_PROMPT_FILE_BYTES:,} bytes; "
                         "is it the right file?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"--prompt-file {where}: not UTF-8 text") from None
    text = text.strip()
    if not text:
        raise UsageError(f"--prompt-file {where}: the file is empty")
    return text
