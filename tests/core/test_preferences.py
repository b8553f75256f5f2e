"""Preferences: theme, favourites and recent models survive a restart; a bad file is kept
aside with a warning, never a crash."""

from studio.core.preferences import RECENT_LIMIT, Preferences, PreferenceStore
from studio.core.service import Studio


def test_favourites_recent_and_theme_persist(home):
    studio = Studio(home, env={})
    try:
        studio.set_favourite("fal", "fal-ai/flux/dev", True)
        studio.set_favourite("luma", "photon-1", True)
        studio.set_favourite("fal", "fal-ai/flux/dev", False)
        studio.note_used([("fal", "a"), ("fal", "b")])
        studio.note_used([("fal", "b"), ("luma", "c")])
        studio.save_preferences(studio.preferences().model_copy(update={"theme": "dark"}))
    finally:
        studio.store.close()
    again = PreferenceStore(home.config_dir).current
    assert again.favourites == ["luma:photon-1"]
    assert again.recent == ["fal:b", "luma:c", "fal:a"]
    assert again.theme == "dark"


def test_recent_is_bounded():
    prefs = Preferences()
    for i in range(RECENT_LIMIT + 5):
        prefs = prefs.with_used([f"p:{i}"])
    assert len(prefs.recent) == RECENT_LIMIT and prefs.recent[0] == f"p:{RECENT_LIMIT + 4}"


def test_a_bad_file_is_kept_aside_and_reported(home):
    home.ensure()
    (home.config_dir / "preferences.json").write_text('{"theme": "purple"}')
    studio = Studio(home, env={})
    try:
        assert studio.preferences().theme == "system"
        assert any("preferences.json.bad" in w for w in studio.warnings)
        assert (home.config_dir / "preferences.json.bad").exists()
    finally:
        studio.store.close()
