"""N variations per model: N seeds in a row (or N identical jobs where a model takes no
seed), each model's jobs one batch, so the Gallery stacks them together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QSpinBox, QWidget

from studio.core.batches import MAX_VARIATIONS
from studio.core.jobs import Job
from studio.providers.base import RenderRequest

if TYPE_CHECKING:
    from studio.core.service import Studio


class VariationsBox(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variations")
        self.setAccessibleName("Variations per model")
        self.setRange(1, MAX_VARIATIONS)
        self.setPrefix("× ")
        self.setToolTip("Variations per model: N seeds from the one given (or a random "
                        "one), shown as one stack in the Gallery (Stack by job)")


def quoted(requests: list[RenderRequest], n: int) -> list[RenderRequest]:
    """What the spend confirmation prices: every job of every batch."""
    return [r for r in requests for _ in range(n)]


async def send_variations(studio: Studio, requests: list[RenderRequest], n: int
                          ) -> list[Job]:
    """One batch of n jobs per request (each checked by the budgets as it is sent)."""
    jobs: list[Job] = []
    for request in requests:
        jobs += (await studio.variations(request, n)).jobs
    return jobs
