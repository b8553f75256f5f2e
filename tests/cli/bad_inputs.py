"""Bad things a user can hand studio-cli, each as (setup, argv, exit code, words).

`setup(home, tmp)` spoils something under STUDIO_HOME or writes a file into `tmp`; `{tmp}`
in argv is replaced by that folder. `words` must appear in stderr (case-insensitive). The
exit code is 2 unless the CLI documents another one: a damaged settings file is set aside
(kept as `.bad`) and the command goes on with defaults (0, with a warning).
"""

from __future__ import annotations

import sqlite3
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.jobs import Job, JobStatus
from studio.core.store import Store
from studio.resources import ROOT

Setup = Callable[[Path, Path], None]
DEEP = 200_000


@dataclass(frozen=True)
class Case:
    id: str
    argv: list[str]
    words: str
    setup: Setup | None = None
    code: int = 2
    # Files (relative to STUDIO_HOME) whose bytes the command must leave as they were.
    untouched: tuple[str, ...] = field(default=())
    home_below: str = ""  # STUDIO_HOME is this path under the prepared home


# -- files ------------------------------------------------------------------------------


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that declares width x height: a decompression bomb for a reader that
    trusts it (the pixel data is a few bytes of zlib)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def small_png(kind: str = "PNG") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, kind)
    return out.getvalue()


def write(rel: str, data: bytes | str) -> Setup:
    def setup(home: Path, tmp: Path) -> None:
        path = (tmp if rel.startswith("@") else home) / rel.lstrip("@")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return setup


def folder(rel: str) -> Setup:
    def setup(home: Path, tmp: Path) -> None:
        ((tmp if rel.startswith("@") else home) / rel.lstrip("@")).mkdir(parents=True)
    return setup


def both(*setups: Setup) -> Setup:
    def setup(home: Path, tmp: Path) -> None:
        for s in setups:
            s(home, tmp)
    return setup


def sparse(rel: str, size: int) -> Setup:
    def setup(home: Path, tmp: Path) -> None:
        with open(tmp / rel.lstrip("@"), "wb") as fh:
            fh.truncate(size)
    return setup


# -- the database -----------------------------------------------------------------------


def good_db(home: Path, tmp: Path) -> list[str]:
    """A real studio.db with two dry-run jobs; returns their ids."""
    store = Store(home / "data" / "studio.db")
    ids = []
    try:
        for n, prompt in enumerate(("a fox", "a heron")):
            job = Job(id=f"{'ab' if n == 0 else 'cd'}{time.time_ns() % 10**12:012d}",
                      provider="fal", model="fal-ai/flux/dev", mode="txt2img", prompt=prompt,
                      request={"provider": "fal", "model": "fal-ai/flux/dev",
                               "prompt": prompt}, created_at=time.time() + n)
            store.create_job(job)
            store.update_job(job.id, status=JobStatus.DRY_RUN)
            ids.append(job.id)
    finally:
        store.close()
    return ids


def spoil_row(sql: str) -> Setup:
    """A good database in which the first job's row is then changed by `sql` (? = id)."""
    def setup(home: Path, tmp: Path) -> None:
        first = good_db(home, tmp)[0]
        db = sqlite3.connect(home / "data" / "studio.db")
        with db:
            db.execute(sql, (first,))
        db.close()
        (tmp / "bad_id").write_text(first)
    return setup


def truncated_db(home: Path, tmp: Path) -> None:
    good_db(home, tmp)
    path = home / "data" / "studio.db"
    for side in ("-wal", "-shm"):
        (path.parent / (path.name + side)).unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def too_new_db(home: Path, tmp: Path) -> None:
    good_db(home, tmp)
    db = sqlite3.connect(home / "data" / "studio.db")
    db.execute("PRAGMA user_version = 999")
    db.close()


def home_is_file(home: Path, tmp: Path) -> None:
    home.parent.mkdir(parents=True, exist_ok=True)
    home.write_text("not a folder")


DB = "data/studio.db"
WORKFLOW = ROOT / "workflows" / "sdxl_txt2img.json"
RANDOM = bytes((i * 7919 + 13) % 251 for i in range(8192))
GEN = ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev", "--prompt", "x"]
I2I = ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev/image-to-image",
       "--prompt", "x", "--image"]
LIST = ["jobs"]
CONFIG_GET = ["config", "get", "features.enable_public_image_providers"]
DEEP_JSON = "[" * DEEP + "]" * DEEP
PIKA = ["generate", "--provider", "pika", "--model", "fal-ai/pika/v2.2/text-to-video",
        "--prompt", "x"]


CASES: list[Case] = [
    # STUDIO_HOME and its folders
    Case("home-is-a-file", LIST, "not a directory", home_is_file),
    Case("home-under-a-file", LIST, "not a directory", home_is_file, home_below="sub/dir"),
    Case("config-dir-is-a-file", LIST, "config", write("config", "x")),
    Case("data-dir-is-a-file", LIST, "data", write("data", "x")),
    Case("logs-dir-is-a-file", LIST, "logs", write("logs", "x")),
    Case("assets-dir-is-a-file", LIST, "assets", write("data/assets", "x")),
    Case("log-file-is-a-folder", LIST, "studio.log", folder("logs/studio.log")),
    Case("workflows-dir-is-a-file", ["workflows", "import", str(WORKFLOW)], "workflows",
         write("config/workflows", "x")),
    # a damaged studio.db: named, left untouched, set-aside offered
    Case("db-random-bytes", LIST, "db set-aside", write(DB, RANDOM), untouched=(DB,)),
    Case("db-zeros", LIST, "damaged", write(DB, b"\0" * 8192), untouched=(DB,)),
    Case("db-text", LIST, "damaged", write(DB, "hello, not a database\n" * 50),
         untouched=(DB,)),
    Case("db-truncated", LIST, "damaged", truncated_db, untouched=(DB,)),
    Case("db-is-a-directory", LIST, "directory", folder(DB)),
    Case("db-too-new", LIST, "newer", too_new_db, untouched=(DB,)),
    Case("db-random-generate", GEN, "damaged", write(DB, RANDOM), untouched=(DB,)),
    Case("db-random-resume", ["resume"], "damaged", write(DB, RANDOM), untouched=(DB,)),
    Case("db-random-check", ["db", "check"], "damaged", write(DB, RANDOM), untouched=(DB,)),
    Case("db-too-new-set-aside", ["db", "set-aside"], "newer", too_new_db, untouched=(DB,)),
    # rows that cannot be read: skipped and named, the rest listed
    Case("row-unknown-status", LIST, "unknown status",
         spoil_row("UPDATE jobs SET status='exploded' WHERE id=?")),
    Case("row-bad-json", LIST, "bad json",
         spoil_row("UPDATE jobs SET request='{not json' WHERE id=?")),
    Case("row-request-not-object", ["jobs", "--json"], "not a json object",
         spoil_row("UPDATE jobs SET request='[1, 2]' WHERE id=?")),
    Case("row-remote-bad-json", LIST, "bad json",
         spoil_row("UPDATE jobs SET remote='{{' WHERE id=?")),
    Case("row-unknown-status-show", ["job", "{bad_id}"], "unknown status",
         spoil_row("UPDATE jobs SET status='exploded' WHERE id=?")),
    Case("row-bad-json-resume", ["resume"], "bad json",
         spoil_row("UPDATE jobs SET status='queued', request='{' WHERE id=?")),
    Case("row-db-check", ["db", "check"], "unknown status",
         spoil_row("UPDATE jobs SET status='exploded' WHERE id=?")),
    # a damaged settings file: kept as .bad (numbered), defaults used, a warning (exit 0)
    Case("config-is-a-directory", CONFIG_GET, "directory", folder("config/studio.json"),
         code=0),
    Case("config-nested-200000-deep", CONFIG_GET, "levels deep",
         write("config/studio.json", '{"features": ' + DEEP_JSON + "}"), code=0),
    Case("config-deep-object", CONFIG_GET, "levels deep",
         write("config/studio.json", '{"a":' * DEEP + "1" + "}" * DEEP), code=0),
    Case("config-random-bytes", CONFIG_GET, "studio.json.bad",
         write("config/studio.json", RANDOM), code=0),
    Case("config-not-utf8", CONFIG_GET, "studio.json.bad",
         write("config/studio.json", b'{"x": "\xff\xfe"}'), code=0),
    Case("config-an-array", CONFIG_GET, "not a json object",
         write("config/studio.json", "[1, 2]"), code=0),
    Case("config-unknown-key", CONFIG_GET, "studio.json.bad",
         write("config/studio.json", '{"nonsense": 1}'), code=0),
    Case("config-wrong-type", CONFIG_GET, "studio.json.bad",
         write("config/studio.json", '{"network": {"max_download_mb": "lots"}}'), code=0),
    Case("config-bad-copies-numbered", CONFIG_GET, "studio.json.2.bad",
         both(write("config/studio.json", "{oops"), write("config/studio.json.bad", "1"),
              write("config/studio.json.1.bad", "2")), code=0,
         untouched=("config/studio.json.bad", "config/studio.json.1.bad")),
    Case("config-bad-base-url-in-file", [*GEN, "--json"], "plain http",
         write("config/studio.json", '{"base_urls": {"fal": "http://example.com"}, '
               '"features": {"enable_public_image_providers": true}}')),
    # config set: checked when set, nothing written
    Case("set-unknown-key", ["config", "set", "nope.nothing", "1"], "unknown setting"),
    Case("set-base-url-file", ["config", "set", "base_urls.fal", "file:///etc/passwd"],
         "http(s)"),
    Case("set-base-url-plain-http", ["config", "set", "base_urls.fal", "http://example.com"],
         "loopback"),
    Case("set-base-url-ftp", ["config", "set", "base_urls.fal", "ftp://example.com"],
         "http(s)"),
    Case("set-base-url-garbage", ["config", "set", "base_urls.fal", "::::"], "http(s)"),
    Case("set-base-url-link-local-http",
         ["config", "set", "base_urls.fal", "http://169.254.169.254/"], "loopback"),
    Case("set-s3-endpoint-file",
         ["config", "set", "image_host.s3_endpoint_url", "file:///tmp/x"], "s3_endpoint_url"),
    Case("set-out-of-range", ["config", "set", "network.max_concurrent_per_provider", "0"],
         "max_concurrent_per_provider"),
    Case("set-bad-bool", ["config", "set", "features.enable_public_image_providers", "maybe"],
         "enable_public_image_providers"),
    Case("set-deep-json", ["config", "set", "provider_options.fal.x", DEEP_JSON],
         "levels deep"),
    Case("set-no-value", ["config", "set", "features.enable_public_image_providers"],
         "needs a value"),
    Case("get-unknown", ["config", "get", "nope"], "unknown setting"),
    Case("get-no-key", ["config", "get"], "needs a key"),
    # --sandbox-url is loopback only
    Case("sandbox-url-remote", ["--sandbox-url", "http://example.com:8000", "jobs"],
         "loopback"),
    Case("sandbox-url-file", ["--sandbox-url", "file:///tmp/sandbox", "jobs"], "loopback"),
    Case("sandbox-url-garbage", ["--sandbox-url", "not a url", "jobs"], "loopback"),
    Case("sandbox-url-bad-port", ["--sandbox-url", "http://127.0.0.1:99999", "jobs"],
         "loopback"),
    Case("sandbox-url-private", ["--sandbox-url", "http://10.0.0.5:8000", "jobs"],
         "loopback"),
    # --param
    Case("param-deep-json", [*GEN, "--param", "num_images=" + DEEP_JSON], "levels deep"),
    Case("param-deep-object", [*GEN, "--param", "x=" + '{"a":' * DEEP + "1" + "}" * DEEP],
         "levels deep"),
    Case("param-invalid-json", [*GEN, "--param", "image_size={bad json"], "invalid json"),
    Case("param-no-equals", [*GEN, "--param", "nonsense"], "expected key=value"),
    Case("param-empty-key", [*GEN, "--param", "=5"], "expected key=value"),
    Case("param-literal-miss", [*PIKA, "--param", "duration=7"], "params.duration"),
    Case("param-literal-text", [*PIKA, "--param", "duration=long"], "params.duration"),
    Case("param-int-fraction", [*GEN, "--param", "num_images=1.5"], "params.num_images"),
    Case("param-int-range", [*GEN, "--param", "num_images=99"], "params.num_images"),
    Case("param-float-text", [*GEN, "--param", "guidance_scale=loud"],
         "params.guidance_scale"),
    Case("param-bool-text", [*GEN, "--param", "enable_safety_checker=maybe"],
         "params.enable_safety_checker"),
    Case("param-unknown-field", [*GEN, "--param", "warp_drive=9"], "params.warp_drive"),
    Case("param-json-for-int", [*GEN, "--param", "num_images=[1,2]"], "params.num_images"),
    # the request itself
    Case("seed-negative", [*GEN, "--seed", "-1"], "seed"),
    Case("seed-huge", [*GEN, "--seed", str(2 ** 70)], "seed"),
    Case("provider-unknown", ["generate", "--provider", "nope", "--model", "m", "--prompt",
                              "x"], "unknown provider"),
    Case("model-unknown", ["generate", "--provider", "fal", "--model", "m", "--prompt", "x"],
         "has no model"),
    Case("prompt-too-long", ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                             "--prompt", "x" * 20_000], "prompt"),
    Case("prompt-file-missing", ["generate", "--provider", "fal", "--model",
                                 "fal-ai/flux/dev", "--prompt-file", "{tmp}/nope.txt"],
         "no such file"),
    Case("prompt-file-directory", ["generate", "--provider", "fal", "--model",
                                   "fal-ai/flux/dev", "--prompt-file", "{tmp}"],
         "directory"),
    Case("prompt-file-binary", ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                                "--prompt-file", "{tmp}/p.bin"], "not utf-8",
         write("@p.bin", b"\xff\xfe\x00\x81" * 10)),
    Case("prompt-file-empty", ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                               "--prompt-file", "{tmp}/p.txt"], "empty", write("@p.txt", "\n")),
    Case("prompt-file-huge", ["generate", "--provider", "fal", "--model", "fal-ai/flux/dev",
                              "--prompt-file", "{tmp}/big.txt"], "larger than",
         sparse("@big.txt", 5_000_000)),
    # --image
    Case("image-missing", [*I2I, "{tmp}/nope.png"], "does not exist"),
    Case("image-directory", [*I2I, "{tmp}"], "does not exist"),
    Case("image-not-an-image", [*I2I, "{tmp}/x.png"], "not a readable image",
         write("@x.png", "just text")),
    Case("image-truncated", [*I2I, "{tmp}/cut.png"], "not a readable image",
         write("@cut.png", small_png()[:60])),
    Case("image-bomb", [*I2I, "{tmp}/bomb.png"], "decompression bomb",
         write("@bomb.png", png_header(30_000, 30_000))),
    Case("image-bomb-below-pillow-limit", [*I2I, "{tmp}/bomb2.png"], "decompression bomb",
         write("@bomb2.png", png_header(10_000, 10_000))),
    Case("image-bomb-wide", [*I2I, "{tmp}/wide.png"], "decompression bomb",
         write("@wide.png", png_header(2**31 - 1, 1))),
    Case("image-too-big", [*I2I, "{tmp}/big.png"], "the limit is", sparse("@big.png",
                                                                         25_000_000)),
    Case("image-gif", [*I2I, "{tmp}/a.gif"], "use png", write("@a.gif", small_png("GIF"))),
    Case("image-plain-http", [*I2I, "http://example.com/a.png"], "https"),
    Case("image-unknown-asset", [*I2I, "asset:nope"], "no asset"),
    # replay
    Case("replay-missing", ["replay", "{tmp}/nope.json"], "cannot be read"),
    Case("replay-directory", ["replay", "{tmp}"], "cannot be read"),
    Case("replay-not-json", ["replay", "{tmp}/r.json"], "not a readable json",
         write("@r.json", "not json")),
    Case("replay-deep", ["replay", "{tmp}/r.json"], "levels deep",
         write("@r.json", '{"input": ' + DEEP_JSON + "}")),
    Case("replay-deep-object", ["replay", "{tmp}/r.json"], "levels deep",
         write("@r.json", '{"a":' * DEEP + "1" + "}" * DEEP)),
    Case("replay-array", ["replay", "{tmp}/r.json"], "json object", write("@r.json", "[]")),
    Case("replay-not-utf8", ["replay", "{tmp}/r.json"], "not a readable json",
         write("@r.json", b'{"input": "\xff"}')),
    Case("replay-bad-request", ["replay", "{tmp}/r.json"], "provider",
         write("@r.json", '{"input": {"model": "m"}}')),
    Case("replay-bad-params", ["replay", "{tmp}/r.json"], "params.num_images",
         write("@r.json", '{"input": {"provider": "fal", "model": "fal-ai/flux/dev", '
               '"prompt": "x", "params": {"num_images": 99}}}')),
    # job ids and other references
    Case("job-unknown", ["job", "nope"], "no job"),
    Case("job-refresh-unknown", ["job", "nope", "--refresh"], "no job"),
    Case("wait-unknown", ["wait", "nope"], "no job"),
    Case("cancel-unknown", ["cancel", "nope"], "no job"),
    Case("jobs-limit-zero", ["jobs", "--limit", "0"], "--limit"),
    Case("keys-unknown-provider", ["keys", "status", "nope"], "unknown provider"),
    Case("keys-set-no-provider", ["keys", "set"], "needs a provider"),
    Case("verify-missing", ["verify", "{tmp}/nope.png"], "not a file"),
    Case("verify-sidecar-deep", ["verify", "{tmp}/v.png", "--json"], "",
         both(write("@v.png", small_png()), write("@v.png.json", DEEP_JSON)), code=0),
    Case("group-unknown", ["group", "nope"], "no compare group"),
    Case("vote-unknown", ["vote", "nope", "--tie"], "no compare group"),
    Case("compare-bad-target", ["compare", "--target", "nocolon", "--prompt", "x"], "target"),
    Case("compare-unknown-param", ["compare", "--target", "fal:fal-ai/flux/dev", "--prompt",
                                   "x", "--param", "warp=1"], "none of the targets"),
    Case("compare-deep-param", ["compare", "--target", "fal:fal-ai/flux/dev", "--prompt", "x",
                                "--param", "num_images=" + DEEP_JSON], "levels deep"),
    Case("workflow-missing", ["workflows", "import", "{tmp}/nope.json"], "not imported"),
    Case("workflow-deep", ["workflows", "import", "{tmp}/w.json"], "not imported",
         write("@w.json", '{"1": ' + DEEP_JSON + "}")),
    Case("workflow-not-json", ["workflows", "import", "{tmp}/w.json"], "not imported",
         write("@w.json", "\x00\x01garbage")),
    Case("serve-low-port", ["serve", "--port", "80"], "1024-65535"),
]


def expand(argv: list[str], tmp: Path) -> list[str]:
    bad_id = (tmp / "bad_id").read_text() if (tmp / "bad_id").exists() else ""
    return [a.replace("{tmp}", str(tmp)).replace("{bad_id}", bad_id) for a in argv]


def snapshot(home: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {n: (home / n).read_bytes() for n in names if (home / n).is_file()}


def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.is_dir() else set()


