"""A studio.db made by release 0.1.0 opens and upgrades; a newer one is refused untouched."""

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from studio.core import migrations
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.core.store import Store
from studio.core.store_errors import StoreTooNew
from studio.core.store_rows import JOB_FIELDS

FIXTURE = Path(__file__).parent / "data" / "studio-0.1.0.db"


def _copy(tmp_path) -> Path:
    path = tmp_path / "data" / "studio.db"
    path.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURE, path)
    return path


def _columns(path, table) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def test_the_fixture_is_release_0_1_0():
    with sqlite3.connect(FIXTURE) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 0
        assert "recoverable" not in _columns(FIXTURE, "jobs")


def test_a_0_1_0_database_upgrades_without_losing_a_row(tmp_path):
    path = _copy(tmp_path)
    with sqlite3.connect(path) as db:
        before = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("jobs", "assets", "events", "compare_groups", "api_webhooks")}
    store = Store(path)
    try:
        assert migrations.version_of(store._db) == migrations.LATEST
        jobs = {j.id: j for j in store.list_jobs()}
        assert {j.status for j in jobs.values()} == {
            JobStatus.SUCCEEDED, JobStatus.DRY_RUN, JobStatus.FAILED, JobStatus.QUEUED}
        [done] = [j for j in jobs.values() if j.status is JobStatus.SUCCEEDED]
        [asset] = store.assets_for_job(done.id)
        assert asset.provenance["job_id"] == done.id
        # The job whose polls gave up in 0.1.0 had a remote id: resume will check it.
        assert jobs["f00dfeedf00dfeed"].recoverable
        assert not done.recoverable
        assert store.problems == []
    finally:
        store.close()
    assert set(JOB_FIELDS) <= set(_columns(path, "jobs"))
    assert _columns(path, "leases")
    with sqlite3.connect(path) as db:
        for table, count in before.items():
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == count


def test_an_upgraded_database_is_used_by_the_studio(tmp_path):
    _copy(tmp_path)
    studio = Studio(_paths(tmp_path))
    try:
        assert studio.store.count_jobs() == 4
        assert [j.id for j in studio.store.resumable_jobs()] == [
            "f00dfeedf00dfeed", "a11ce0000000b0b0"]
    finally:
        studio.store.close()


def test_a_fresh_database_has_every_job_field(tmp_path):
    path = tmp_path / "studio.db"
    Store(path).close()
    assert _columns(path, "jobs") == JOB_FIELDS  # a new Job field needs a migration step


def test_two_processes_upgrading_at_once_do_it_once(tmp_path):
    path = _copy(tmp_path)
    errors, stores = [], []

    def open_store():
        try:
            stores.append(Store(path))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for s in stores:
        s.close()
    assert _columns(path, "jobs").count("recoverable") == 1


def test_a_database_from_a_newer_release_is_refused_untouched(tmp_path):
    path = _copy(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {migrations.LATEST + 5}")
    before = path.read_bytes()
    with pytest.raises(StoreTooNew, match="newer Provider Studio"):
        Store(path)
    assert path.read_bytes() == before


def _paths(tmp_path):
    from studio.core.paths import StudioPaths

    return StudioPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
