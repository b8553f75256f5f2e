"""The app turns the garbage collector back on once the warm-up has settled the heap
(app.launch; the pause itself: tests/test_process_start.py)."""

from __future__ import annotations

import gc
import weakref

from studio.app import launch


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
