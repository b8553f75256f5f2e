"""A contact sheet of one compare group: the prompt, then each target's output with
provider/model, cost, latency and votes. Written as a PNG and as one self-contained HTML
page (pictures embedded as data URIs, no scripts, nothing fetched)."""

from __future__ import annotations

import base64
import html
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.core.atomic import write_atomic
from studio.core.export.names import existing_names, free_name, safe_stem
from studio.core.export.sources import group_jobs
from studio.core.jobs import Job
from studio.core.thumbnails import ThumbnailError, make_thumbnail
from studio.core.timing import latency_from

if TYPE_CHECKING:
    from studio.core.service import Studio

PICTURE = 320  # long side of each picture on the PNG sheet
HTML_PICTURE = 768
COLUMNS = 4
_PAD = 16


@dataclass
class SheetCell:
    label: str
    provider: str
    model: str
    status: str
    cost: str
    latency: str
    votes: str
    picture: Path | None  # a JPEG thumbnail
    video: bool = False
    note: str = ""


@dataclass
class ContactSheet:
    group: str
    prompt: str
    cells: list[SheetCell]
    png: Path | None = None
    html: Path | None = None


def make_contact_sheet(studio: Studio, group: str, destination: Path | str) -> ContactSheet:
    """Write `contact-sheet-<group>.png` and `.html` into destination (names never clobber
    an existing file). Raises SourceError when the group is unknown."""
    sheet = collect(studio, group)
    dest = Path(destination).expanduser()
    dest.mkdir(parents=True, exist_ok=True)
    taken = existing_names(dest)
    stem = safe_stem(f"contact-sheet-{sheet.group}")
    sheet.png = dest / free_name(stem, ".png", taken)
    sheet.html = dest / free_name(stem, ".html", taken)
    redact = studio.redactor.text
    write_atomic(sheet.png, render_png(sheet, redact))
    write_atomic(sheet.html, render_html(sheet, redact).encode("utf-8"))
    return sheet


def collect(studio: Studio, group: str) -> ContactSheet:
    group_id, prompt, jobs = _group(studio, group)
    votes = _votes(studio, group_id)
    cells = []
    for n, (label, job) in enumerate(jobs):
        assets = studio.store.assets_for_job(job.id)
        picture, video, note = None, False, ""
        if assets:
            asset = assets[0]
            video = asset.media_type.startswith("video/")
            try:
                picture = make_thumbnail(asset.path, asset.sha256, studio.paths.thumbs_dir,
                                         HTML_PICTURE, asset.media_type)
            except ThumbnailError as exc:
                note = str(exc)
        elif job.error:
            note = job.error
        provider = studio.providers.get(job.provider)
        model = provider.models.get(job.model) if provider else None
        cells.append(SheetCell(
            label=label or _letter(n), provider=provider.info.name if provider else job.provider,
            model=model.name if model else job.model, status=job.status.value,
            cost=_cost(job), latency=_latency(job, studio.store.sent_at(job.id)),
            votes=votes.get(job.id, "no votes"),
            picture=picture, video=video, note=note))
    return ContactSheet(group_id, prompt, cells)


def _group(studio: Studio, group: str) -> tuple[str, str, list[tuple[str, Job]]]:
    """(group id, prompt, [(label, job)]): the newest run of each target when the compare
    module knows the group, else every job that carries the group id."""
    groups = studio.compare
    found = groups.get(group) or groups.find(group)
    if found is not None:
        runs = [(c.letter, studio.store.get_job(c.job_id)) for c in found.cells if c.job_id]
        return found.id, found.brief.prompt, [(lbl, j) for lbl, j in runs if j is not None]
    # Jobs that carry a group id the compare tables do not know (made by a script).
    jobs = group_jobs(studio.store, group)
    return jobs[0].compare_group or group, jobs[0].prompt, [("", j) for j in jobs]


def _votes(studio: Studio, group_id: str) -> dict[str, str]:
    """Per job: wins, ties and mean stars from the group's votes."""
    wins: dict[str, int] = {}
    stars: dict[str, list[int]] = {}
    for vote in studio.votes.for_group(group_id):
        if vote.winner:
            wins[vote.winner] = wins.get(vote.winner, 0) + 1
        for job_id, n in vote.ratings.items():
            stars.setdefault(job_id, []).append(n)
    out = {}
    for job_id in {*wins, *stars}:
        parts = []
        if wins.get(job_id):
            parts.append(f"{wins[job_id]} win{'s' if wins[job_id] != 1 else ''}")
        if stars.get(job_id):
            s = stars[job_id]
            parts.append(f"★ {sum(s) / len(s):.1f} ({len(s)})")
        out[job_id] = " · ".join(parts)
    return out


def _cost(job: Job) -> str:
    for record, approx in ((job.actual_cost, False), (job.estimate, True)):
        if record and record.get("usd") is not None:
            return f"{'~' if approx or record.get('approximate') else ''}${record['usd']:.3f}"
    return "cost unknown"


def _latency(job: Job, sent_at: float | None) -> str:
    seconds = latency_from(job, sent_at)  # from the request's start (core.timing)
    return "—" if seconds is None else f"{seconds:.1f} s"


def _letter(n: int) -> str:
    return chr(ord("A") + n % 26) + (str(n // 26 + 1) if n >= 26 else "")


def _lines(cell: SheetCell) -> list[str]:
    return [f"{cell.label}  {cell.provider}", cell.model,
            f"{cell.cost} · {cell.latency} · {cell.status}", cell.votes]


# -- PNG -----------------------------------------------------------------------------------


def render_png(sheet: ContactSheet, redact: Any = str) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    title_font = ImageFont.load_default(size=22)
    font = ImageFont.load_default(size=15)
    cols = max(1, min(COLUMNS, len(sheet.cells)))
    rows = max(1, -(-len(sheet.cells) // cols))
    cell_w, text_h = PICTURE + 2 * _PAD, 4 * 20 + _PAD
    width = cols * cell_w + _PAD
    prompt = textwrap.wrap(redact(sheet.prompt), width=max(40, width // 9))[:6] or [""]
    header = 40 + 20 * len(prompt) + _PAD
    canvas = Image.new("RGB", (width, header + rows * (PICTURE + text_h + _PAD)), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((_PAD, _PAD), f"Compare group {sheet.group}", fill="black", font=title_font)
    for i, line in enumerate(prompt):
        draw.text((_PAD, 46 + 20 * i), line, fill=(60, 60, 60), font=font)
    for n, cell in enumerate(sheet.cells):
        x = _PAD + (n % cols) * cell_w
        y = header + (n // cols) * (PICTURE + text_h + _PAD)
        draw.rectangle((x, y, x + PICTURE, y + PICTURE), fill=(235, 235, 235))
        if cell.picture is not None:
            with Image.open(cell.picture) as im:
                im.thumbnail((PICTURE, PICTURE))
                canvas.paste(im, (x + (PICTURE - im.width) // 2, y + (PICTURE - im.height) // 2))
        else:
            draw.text((x + 10, y + PICTURE // 2), (cell.note or "no output")[:40],
                      fill=(120, 120, 120), font=font)
        if cell.video:
            draw.rectangle((x + 6, y + PICTURE - 28, x + 76, y + PICTURE - 6), fill="black")
            draw.text((x + 12, y + PICTURE - 26), "video", fill="white", font=font)
        for i, line in enumerate(_lines(cell)):
            draw.text((x, y + PICTURE + 8 + 20 * i), redact(line)[:48], fill="black", font=font)
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


# -- HTML ----------------------------------------------------------------------------------


def render_html(sheet: ContactSheet, redact: Any = str) -> str:
    def esc(text: str) -> str:
        return html.escape(redact(text))

    cards = []
    for cell in sheet.cells:
        if cell.picture is not None:
            data = base64.b64encode(cell.picture.read_bytes()).decode()
            alt = f"{cell.label} {cell.provider} {cell.model}" + (" (video poster)"
                                                                   if cell.video else "")
            media = f'<img src="data:image/jpeg;base64,{data}" alt="{esc(alt)}">'
        else:
            media = f'<div class="none">{esc(cell.note or "no output")}</div>'
        badge = '<span class="badge">video</span>' if cell.video else ""
        cards.append(
            f'<figure>{media}{badge}<figcaption><b>{esc(cell.label)}</b> '
            f'{esc(cell.provider)}<br><span class="model">{esc(cell.model)}</span><br>'
            f'{esc(cell.cost)} · {esc(cell.latency)} · {esc(cell.status)}<br>'
            f'<span class="votes">{esc(cell.votes)}</span></figcaption></figure>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Contact sheet {esc(sheet.group)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }}
.prompt {{ white-space: pre-wrap; background: #f4f4f4; padding: 12px; border-radius: 6px; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
        gap: 16px; margin-top: 16px; }}
figure {{ margin: 0; position: relative; }}
img {{ width: 100%; height: auto; border-radius: 4px; background: #eee; }}
.none {{ aspect-ratio: 1; display: grid; place-items: center; background: #eee; color: #777; }}
.badge {{ position: absolute; left: 8px; top: 8px; background: #000c; color: #fff;
          padding: 2px 6px; border-radius: 4px; }}
.model, .votes {{ color: #555; }}
</style></head><body>
<h1>Compare group {esc(sheet.group)}</h1>
<p class="prompt">{esc(sheet.prompt)}</p>
<div class="grid">
{chr(10).join(cards)}
</div></body></html>
"""
