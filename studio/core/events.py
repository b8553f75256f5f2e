"""What the store tells its subscribers after each commit: a kind and its typed payload.

Views (the Qt side, the CLI's progress line, the API's webhooks) import these from here,
never from the store. Each kind carries one payload, checked when the event is made:

    job_created, job_updated, status_changed, progress   job (the row as committed)
    asset_added, asset_rated                             asset
    asset_quality (metrics or the model's opinion)       asset
    compare_changed                                      group (+ job_id of a new run)
    vote_cast                                            group, vote
    library_changed                                      what (+ board)
    chain_changed                                        chain (+ message, fraction)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from studio.core.jobs import Asset, Job


class EventKind(StrEnum):
    JOB_CREATED = "job_created"
    JOB_UPDATED = "job_updated"
    STATUS_CHANGED = "status_changed"
    PROGRESS = "progress"  # only progress, queue position or message changed
    ASSET_ADDED = "asset_added"
    ASSET_RATED = "asset_rated"
    ASSET_QUALITY = "asset_quality"  # its quality metrics or the assistant's opinion stored
    COMPARE_CHANGED = "compare_changed"  # a compare group was made, grew or got a run
    VOTE_CAST = "vote_cast"
    LIBRARY_CHANGED = "library_changed"  # boards, their outputs or the trash changed
    CHAIN_CHANGED = "chain_changed"  # a video chain's link started, moved on or ended
    STORYBOARD_CHANGED = "storyboard_changed"  # group: the storyboard's id

    @property
    def about_job(self) -> bool:
        return self in _JOB_KINDS

    @property
    def about_asset(self) -> bool:
        return self in (EventKind.ASSET_ADDED, EventKind.ASSET_RATED, EventKind.ASSET_QUALITY)


_JOB_KINDS = frozenset({EventKind.JOB_CREATED, EventKind.JOB_UPDATED,
                        EventKind.STATUS_CHANGED, EventKind.PROGRESS})


@dataclass(frozen=True)
class StoreEvent:
    """A change to the store, published to the UI and the automation API."""
    kind: EventKind
    job_id: str = ""
    job: Job | None = None
    asset: Asset | None = None
    group: str | None = None  # compare_changed, vote_cast
    vote: str | None = None  # vote_cast
    what: str | None = None  # library_changed: board_created, trashed, emptied, ...
    board: str | None = None  # library_changed about one board
    chain: str | None = None  # chain_changed: the chain id
    message: str | None = None  # chain_changed: "Generating link 2/3", ...
    fraction: float | None = None  # chain_changed: the whole chain's progress, 0..1

    def __post_init__(self) -> None:
        # A real check (not an assert): a subscriber may rely on the payload of its kind.
        kind = EventKind(self.kind)
        missing = ((kind.about_job and self.job is None)
                   or (kind.about_asset and self.asset is None)
                   or (kind in (EventKind.COMPARE_CHANGED, EventKind.VOTE_CAST,
                                EventKind.STORYBOARD_CHANGED) and not self.group)
                   or (kind is EventKind.VOTE_CAST and not self.vote)
                   or (kind is EventKind.LIBRARY_CHANGED and not self.what)
                   or (kind is EventKind.CHAIN_CHANGED and not self.chain))
        if missing:
            raise ValueError(f"a {kind.value} event needs its payload")
        object.__setattr__(self, "kind", kind)

    @classmethod
    def for_job(cls, kind: EventKind, job: Job) -> StoreEvent:
        return cls(kind, job.id, job=job)

    @classmethod
    def for_asset(cls, kind: EventKind, asset: Asset) -> StoreEvent:
        return cls(kind, asset.job_id, asset=asset)

    @classmethod
    def compare_changed(cls, group: str, job_id: str = "") -> StoreEvent:
        return cls(EventKind.COMPARE_CHANGED, job_id, group=group)

    @classmethod
    def vote_cast(cls, group: str, vote: str) -> StoreEvent:
        return cls(EventKind.VOTE_CAST, "", group=group, vote=vote)

    @classmethod
    def storyboard_changed(cls, storyboard: str, job_id: str = "") -> StoreEvent:
        return cls(EventKind.STORYBOARD_CHANGED, job_id, group=storyboard)

    @classmethod
    def library_changed(cls, what: str, board: str | None = None) -> StoreEvent:
        return cls(EventKind.LIBRARY_CHANGED, "", what=what, board=board)

    @classmethod
    def chain_changed(cls, chain: str, message: str, fraction: float | None = None,
                      job_id: str = "") -> StoreEvent:
        return cls(EventKind.CHAIN_CHANGED, job_id, chain=chain, message=message,
                   fraction=fraction)


Subscriber = Callable[[StoreEvent], None]
