"""Boards, the trash (files kept until emptied), stacks by fan-out or job, and sorting."""

from pathlib import Path

import pytest

from studio.core.events import EventKind
from studio.core.library import LibraryError, LibraryQuery
from studio.core.provenance import sidecar_path, write_sidecar
from studio.core.service import Studio
from tests.core.asset_helpers import white_box_mask
from tests.core.export.test_export_support import add_output


@pytest.fixture
def studio(home):
    s = Studio(home, env={})
    yield s
    s.store.close()


def test_boards_hold_outputs_by_name(studio):
    lib = studio.library
    a, b = add_output(studio), add_output(studio)
    board = lib.create_board("  Lighthouses  ")
    assert board.name == "Lighthouses"
    with pytest.raises(LibraryError, match="already a board"):
        lib.create_board("lighthouses")
    with pytest.raises(LibraryError, match="needs a name"):
        lib.create_board("   ")
    assert lib.add_to_board(board.id, [a.id, b.id, "no-such-output"]) == 2
    assert lib.add_to_board(board.id, [a.id]) == 0  # already there
    assert lib.asset_ids(LibraryQuery(board=board.id)) == [b.id, a.id]
    assert lib.boards_of(a.id) == ["Lighthouses"]
    lib.rename_board(board.id, "Coast")
    assert [(x.name, x.count) for x in lib.boards()] == [("Coast", 2)]
    assert lib.remove_from_board(board.id, [a.id]) == 1
    assert lib.asset_ids(LibraryQuery(board=board.id)) == [b.id]
    lib.delete_board(board.id)
    assert lib.boards() == [] and set(lib.asset_ids(LibraryQuery())) == {a.id, b.id}
    with pytest.raises(LibraryError, match="no board"):
        lib.add_to_board(board.id, [a.id])


def test_trash_hides_until_emptied_then_deletes_files(studio):
    lib = studio.library
    events = []
    studio.store.subscribe(
        lambda e: events.append(e) if e.kind is EventKind.LIBRARY_CHANGED else None)
    keep, gone = add_output(studio), add_output(studio)
    write_sidecar(Path(gone.path), {"job_id": gone.job_id}, studio.redactor)
    board = lib.create_board("Picks")
    lib.add_to_board(board.id, [gone.id, keep.id])
    assert lib.trash([gone.id]) == 1
    assert lib.asset_ids(LibraryQuery()) == [keep.id]
    assert lib.asset_ids(LibraryQuery(trash=True)) == [gone.id]
    assert lib.boards()[0].count == 1 and lib.trash_count() == 1
    assert Path(gone.path).exists()  # undo-safe: nothing deleted yet
    assert lib.restore([gone.id]) == 1 and lib.trash_count() == 0
    assert set(lib.asset_ids(LibraryQuery())) == {keep.id, gone.id}
    lib.trash([gone.id])
    result = lib.empty_trash()
    assert (result.outputs, result.files, result.kept) == (1, 2, [])
    assert not Path(gone.path).exists() and not sidecar_path(Path(gone.path)).exists()
    assert not Path(gone.path).parent.exists()  # the job's empty folder went too
    assert studio.store.get_asset(gone.id) is None and Path(keep.path).exists()
    assert lib.trash_count() == 0 and lib.boards()[0].count == 1
    assert any(e["kind"] == "output_deleted" for e in studio.store.events(gone.job_id))
    assert [e.what for e in events][-2:] == ["trashed", "emptied"]


def test_emptying_never_deletes_files_outside_the_outputs_folder(studio, tmp_path):
    outside = tmp_path / "mine.png"
    outside.write_bytes(b"not ours")
    asset = add_output(studio)
    studio.store.query("UPDATE assets SET path=? WHERE id=?", (str(outside), asset.id))
    studio.library.trash([asset.id])
    result = studio.library.empty_trash()
    assert result.kept == [str(outside)] and outside.read_bytes() == b"not ours"
    assert studio.store.get_asset(asset.id) is None


def test_sorting_by_date_rating_and_cost(studio):
    lib = studio.library
    cheap = add_output(studio, cost=0.01, created_at=1000.0)
    dear = add_output(studio, cost=0.50, created_at=2000.0)
    mid = add_output(studio, cost=0.10, created_at=3000.0)
    studio.store.set_rating(cheap.id, 5)
    studio.store.set_rating(mid.id, 2)

    def order(sort):
        return lib.asset_ids(LibraryQuery(sort=sort))

    assert order("newest") == [mid.id, dear.id, cheap.id]
    assert order("oldest") == [cheap.id, dear.id, mid.id]
    assert order("rating") == [cheap.id, mid.id, dear.id]  # unrated last
    assert order("cost_high") == [dear.id, mid.id, cheap.id]
    assert order("cost_low") == [cheap.id, mid.id, dear.id]


def test_stacks_group_a_fan_out_and_open_to_its_members(studio):
    lib = studio.library
    fan = [add_output(studio, group="g1", created_at=1000.0 + i) for i in range(3)]
    alone = add_output(studio, created_at=5000.0)
    stacks = lib.stacks(LibraryQuery(group="fanout"))
    assert [(s.key, s.count) for s in stacks] == [(alone.job_id, 1), ("g1", 3)]
    assert stacks[1].cover == fan[2].id  # the newest of the fan-out
    assert lib.asset_ids(LibraryQuery(group="fanout")) == [alone.id, fan[2].id]
    members = lib.asset_ids(LibraryQuery(group="fanout", stack="g1", sort="oldest"))
    assert members == [a.id for a in fan]
    by_job = lib.stacks(LibraryQuery(group="batch"))
    assert len(by_job) == 4 and {s.count for s in by_job} == {1}


def test_filters_match_the_gallery(studio):
    lib = studio.library
    fox = add_output(studio, prompt="a red fox 100% in snow")
    add_output(studio, prompt="a lighthouse", model="fal-ai/flux/schnell")
    assert lib.asset_ids(LibraryQuery(text="100%")) == [fox.id]
    assert lib.asset_ids(LibraryQuery(model="fal-ai/flux/dev")) == [fox.id]
    studio.store.set_rating(fox.id, 4)
    assert lib.asset_ids(LibraryQuery(min_rating=4)) == [fox.id]


def test_masks_stay_out_of_the_library_unless_asked_for(studio, tmp_path):
    image = add_output(studio)
    mask = studio.save_mask(image.id, white_box_mask(tmp_path / "m.png").read_bytes())
    assert studio.library.asset_ids(LibraryQuery()) == [image.id]
    assert set(studio.library.asset_ids(LibraryQuery(include_masks=True))) == {image.id, mask.id}
    assert studio.library.asset_ids(LibraryQuery(mode="mask")) == [mask.id]


def test_store_deletes_outputs_in_the_callers_transaction(studio):
    a, b = add_output(studio), add_output(studio)
    with pytest.raises(RuntimeError), studio.store.transaction():
        assert [x.id for x in studio.store.delete_assets([a.id, "no-such"])] == [a.id]
        raise RuntimeError("the caller's transaction fails")
    assert studio.store.get_asset(a.id) is not None  # rolled back with it
    assert [x.id for x in studio.store.delete_assets([a.id])] == [a.id]
    assert studio.store.get_asset(a.id) is None and studio.store.get_asset(b.id) is not None
    logged = [e for e in studio.store.events(a.job_id) if e["kind"] == "output_deleted"]
    assert [e["asset"] for e in logged] == [a.id]
