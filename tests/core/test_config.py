import json

import pytest

from studio.core.config import (
    ConfigError,
    Settings,
    get_value,
    load_settings,
    save_settings,
    set_value,
)


def test_missing_file_gives_defaults_with_flags_off(tmp_path):
    result = load_settings(tmp_path / "studio.json")
    assert result.warnings == []
    assert result.settings.features.enable_public_image_providers is False
    assert result.settings.features.enable_public_video_providers is False


def test_partial_file_is_filled_with_defaults(tmp_path):
    path = tmp_path / "studio.json"
    path.write_text(json.dumps({"features": {"enable_public_video_providers": True}}))
    s = load_settings(path).settings
    assert s.features.enable_public_video_providers is True
    assert s.features.enable_public_image_providers is False
    assert s.network.max_concurrent_per_provider == 4


@pytest.mark.parametrize("content", [
    "{not json", "[1, 2]", '{"features": {"enable_public_image_providers": "maybe"}}',
    '{"network": {"max_concurrent_per_provider": 0}}', b"\xff\xfe\x00garbage",
])
def test_corrupt_file_is_kept_as_bad_and_defaults_used(tmp_path, content):
    path = tmp_path / "studio.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = load_settings(path)
    assert result.settings == Settings()
    assert len(result.warnings) == 1 and "studio.json.bad" in result.warnings[0]
    bad = tmp_path / "studio.json.bad"
    assert bad.exists() and not path.exists()
    raw = content if isinstance(content, bytes) else content.encode()
    assert bad.read_bytes() == raw  # nothing lost


def test_save_is_atomic_and_round_trips(tmp_path):
    path = tmp_path / "cfg" / "studio.json"
    s = set_value(Settings(), "features.enable_public_image_providers", "true")
    save_settings(path, s)
    assert load_settings(path).settings.features.enable_public_image_providers is True
    assert [p.name for p in path.parent.iterdir()] == ["studio.json"]  # no temp files left


def test_set_value_names_the_bad_field():
    with pytest.raises(ConfigError, match=r"network\.max_concurrent_per_provider"):
        set_value(Settings(), "network.max_concurrent_per_provider", "0")
    with pytest.raises(ConfigError, match="unknown setting"):
        set_value(Settings(), "features.enable_everything", "true")
    assert get_value(set_value(Settings(), "base_urls.fal", "http://127.0.0.1:9"),
                     "base_urls.fal") == "http://127.0.0.1:9"


def test_compliance_is_kept_per_provider_and_old_files_still_load(tmp_path):
    import json

    from studio.core.config import load_settings

    path = tmp_path / "studio.json"
    path.write_text(json.dumps({"compliance": {"firefly_workspace_compliant": True}}))
    loaded = load_settings(path)
    assert loaded.warnings == [] and loaded.settings.compliance == {"firefly": True}


def test_provider_options_and_the_image_host_are_set_from_the_command_line():
    from studio.core.config import ConfigError, Settings, set_value

    s = set_value(Settings(), "provider_options.runpod.gpu", "A100 (80 GB)")
    s = set_value(s, "provider_options.runpod.endpoints", '{"ep": {"usd_per_second": 0.01}}')
    assert s.provider_options == {"runpod": {"gpu": "A100 (80 GB)",
                                             "endpoints": {"ep": {"usd_per_second": 0.01}}}}
    s = set_value(s, "image_host.host", "s3")
    assert s.image_host.host == "s3" and s.image_host.url_expiry_seconds == 3600
    with pytest.raises(ConfigError, match="give 'none', 's3' or a provider id"):
        set_value(s, "image_host.host", "S3 bucket")
    assert set_value(s, "compliance.firefly", "true").compliance == {"firefly": True}
