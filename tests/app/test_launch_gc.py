"""Start-up pauses the garbage collector until the window is filled in, and turns off
pydantic's plugin search (app.launch)."""

from __future__ import annotations

import gc
import weakref

import pytest

from studio.app import launch


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_paused_inside_and_back_on_after(collector_on):
    with launch.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_start_up_fails(collector_on):
    with pytest.raises(RuntimeError), launch.collector_paused():
        raise RuntimeError("the home cannot be used")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off(collector_on):
    gc.disable()
    with launch.collector_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_pydantic_plugins_are_skipped_unless_the_user_chose(monkeypatch):
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    launch.skip_pydantic_plugins()
    assert launch.os.environ["PYDANTIC_DISABLE_PLUGINS"] == "__all__"
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "logfire-plugin")
    launch.skip_pydantic_plugins()
    assert launch.os.environ["PYDANTIC_DISABLE_PLUGINS"] == "logfire-plugin"


def test_settle_heap_collects_freezes_and_turns_the_collector_on(collector_on):
    class Cycle:
        pass

    with launch.collector_paused():
        a, b = Cycle(), Cycle()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        assert gone() is not None  # a cycle: only the collector frees it
        frozen_before = gc.get_freeze_count()
        launch.settle_heap()
        try:
            assert gc.isenabled()  # on again once start-up is settled
            assert gc.get_freeze_count() > frozen_before
            assert gone() is None  # collected before the rest was frozen
        finally:
            gc.unfreeze()
    assert gc.isenabled()
