"""A damaged studio.db is a typed, clear error and is never written to; a bad row is
skipped and reported while the rest is listed."""

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.core.set_aside import set_aside_database
from studio.core.store import Store
from studio.core.store_errors import BadRow, StoreDamaged

FIXTURE = Path(__file__).parent / "data" / "studio-0.1.0.db"


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    shutil.copyfile(FIXTURE, path)
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


def _garbled_pages(path: Path) -> None:
    shutil.copyfile(FIXTURE, path)
    data = bytearray(path.read_bytes())
    data[4096:12288] = os.urandom(8192)  # b-tree pages overwritten, header intact
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_random_bytes, _truncated, _garbled_pages])
def test_a_damaged_file_is_a_typed_error_and_left_as_it_was(tmp_path, damage):
    path = tmp_path / "studio.db"
    damage(path)
    before = path.read_bytes()
    with pytest.raises(StoreDamaged) as info:
        Store(path)
    assert info.value.path == path and "damaged" in str(info.value)
    assert path.read_bytes() == before
    assert not path.with_name("studio.db-wal").exists()


def test_a_directory_in_its_place_is_a_typed_error(tmp_path):
    path = tmp_path / "studio.db"
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    with pytest.raises(StoreDamaged, match="is a directory"):
        Store(path)
    assert (path / "keep.txt").read_text() == "mine"


def test_the_studio_raises_it_and_set_aside_keeps_numbered_copies(home):
    home.data_dir.mkdir(parents=True)
    for n in range(2):
        home.db_file.write_bytes(b"not a database " * 100 + bytes([n]))
        with pytest.raises(StoreDamaged):
            Studio(home)
        kept = set_aside_database(home.db_file)
        assert kept.read_bytes().endswith(bytes([n]))
    assert sorted(p.name for p in home.data_dir.glob("studio.db*")) == [
        "studio.db.1.bad", "studio.db.bad"]
    studio = Studio(home)  # a fresh database now
    assert studio.store.count_jobs() == 0
    studio.store.close()


def _store_with_bad_rows(tmp_path) -> Store:
    path = tmp_path / "studio.db"
    shutil.copyfile(FIXTURE, path)
    Store(path).close()  # upgrade
    with sqlite3.connect(path) as db:
        db.execute("UPDATE jobs SET status='exploded' WHERE id='a11ce0000000b0b0'")
        db.execute("UPDATE jobs SET request='{not json' WHERE id='f00dfeedf00dfeed'")
    return Store(path)


def test_bad_rows_are_skipped_reported_and_the_rest_listed(tmp_path):
    store = _store_with_bad_rows(tmp_path)
    try:
        listed = store.list_jobs()
        assert len(listed) == 2 and {j.status for j in listed} == {
            JobStatus.SUCCEEDED, JobStatus.DRY_RUN}
        reasons = {p.row_id: p.reason for p in store.problems}
        assert "exploded" in reasons["a11ce0000000b0b0"]
        assert "bad JSON" in reasons["f00dfeedf00dfeed"]
        with pytest.raises(BadRow, match="f00dfeedf00dfeed"):
            store.get_job("f00dfeedf00dfeed")
        assert store.resumable_jobs() == []  # both bad ones skipped, nothing crashes
        store.list_jobs()
        assert len(store.problems) == 2  # reported once each
    finally:
        store.close()


async def test_resume_skips_bad_rows(tmp_path):
    store = _store_with_bad_rows(tmp_path)
    store.close()
    from studio.core.paths import StudioPaths

    studio = Studio(StudioPaths(tmp_path / "config", tmp_path, tmp_path / "logs"))
    try:
        assert await studio.resume() == []
        # The recoverable job with bad JSON is reported; the one with an unknown status is
        # not even a candidate.
        assert [p.row_id for p in studio.store.problems] == ["f00dfeedf00dfeed"]
    finally:
        await studio.aclose()
