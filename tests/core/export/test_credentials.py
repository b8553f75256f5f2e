"""C2PA content credentials on exported files, read back with c2pa.Reader."""

import json
from pathlib import Path

import c2pa
import pytest
from PIL import Image

from studio.core.export.copies import ExportError, SignWith, plan_export, run_export
from studio.core.export.credentials import (
    LOCAL_SUBJECT,
    CredentialsError,
    choose_certificate,
    local_certificate,
    read_credentials,
)
from studio.core.export.embed import PNG_KEY, TRAINED_ALGORITHMIC_MEDIA
from studio.core.export.sources import ExportSource
from studio.core.service import Studio
from tests.core.export.test_export_support import ACME, add_output, provider_signed_png, sha256


@pytest.fixture
def studio(home):
    s = Studio(home, env={})
    yield s
    s.store.close()


def signed_export(studio, assets, dest, sign=None):
    plan = plan_export(studio, ExportSource(asset_ids=tuple(a.id for a in assets)), dest)
    sign = sign or SignWith(studio.paths.config_dir)
    return run_export(plan, studio.redactor, sign=sign)


def test_local_certificate_is_made_once_and_says_it_is_not_trusted(home):
    cert = local_certificate(home.config_dir)
    assert cert.local and cert.chain.parent == home.config_dir / "c2pa"
    assert LOCAL_SUBJECT in cert.subject()
    assert (cert.key.stat().st_mode & 0o077) == 0  # the private key is the user's alone
    again = local_certificate(home.config_dir)
    assert again.chain.read_bytes() == cert.chain.read_bytes()


def test_signed_export_reads_valid_untrusted_trusted_with_anchor_and_invalid_when_tampered(
        studio, tmp_path):
    assets = [add_output(studio, k) for k in ("png", "jpg", "webp", "mp4")]
    result = signed_export(studio, assets, tmp_path / "out")
    assert LOCAL_SUBJECT in result.signed_by
    root = local_certificate(studio.paths.config_dir).root.read_text()
    for f in result.files:
        path = result.destination / f.name
        assert f.content_credentials == "signed"
        with c2pa.Reader(str(path)) as reader:
            assert reader.get_validation_state() == "Valid"
        report = read_credentials(path)
        assert report.status == "valid" and report.untrusted_signer
        assert report.signer == LOCAL_SUBJECT
        [action] = report.actions
        assert action["action"] == "c2pa.created"
        assert action["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
        assert action["software_agent"] == "fal.ai fal-ai/flux/dev"
        assert len(action["parameters"]["prompt_sha256"]) == 64
        assert read_credentials(path, trust_anchors=root).status == "trusted"
        assert sha256(path) == f.sha256  # the manifest lists the signed bytes
    png = result.destination / result.files[0].name
    with Image.open(png) as im:  # text chunks written before signing survive it
        assert json.loads(im.info[PNG_KEY])["asset_id"] == assets[0].id
    data = bytearray(png.read_bytes())
    data[data.find(b"IDAT") + 12] ^= 0xFF
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(bytes(data))
    report = read_credentials(tampered)
    assert report.status == "invalid" and "assertion.dataHash.mismatch" in report.failures


def test_plain_file_has_no_credentials(studio, tmp_path):
    asset = add_output(studio, "png")
    assert read_credentials(Path(asset.path)).status == "none"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png")
    assert read_credentials(junk).status == "unreadable"


def test_provider_manifest_is_kept_not_reencoded(studio, tmp_path):
    src = provider_signed_png(tmp_path / "acme.png", tmp_path / "acme-cert")
    asset = add_output(studio, "png", source=src)
    plan = plan_export(studio, ExportSource(asset_ids=(asset.id,)), tmp_path / "plain")
    [f] = run_export(plan, studio.redactor).files
    out = tmp_path / "plain" / f.name
    assert out.read_bytes() == src.read_bytes()  # no chunk added: that would break it
    assert f.content_credentials == "provider manifest kept" and f.embedded == []
    assert read_credentials(out).status == "valid"
    assert read_credentials(out).claim_generator == [f"{ACME} 3.1"]
    sidecar = json.loads((tmp_path / "plain" / f.sidecar).read_text())
    assert sidecar["job_id"] == asset.job_id  # our metadata goes to the sidecar instead


def test_signing_a_provider_signed_file_keeps_its_manifest_as_parent(studio, tmp_path):
    src = provider_signed_png(tmp_path / "acme.png", tmp_path / "acme-cert")
    asset = add_output(studio, "png", source=src)
    [f] = signed_export(studio, [asset], tmp_path / "out").files
    report = read_credentials(tmp_path / "out" / f.name)
    assert report.status == "valid" and f.content_credentials == "provider manifest kept, signed"
    assert report.claim_generator == ["Provider Studio 0.1.0"]
    [ingredient] = report.ingredients
    assert ingredient["relationship"] == "parentOf" and ingredient["has_manifest"]
    assert ingredient["claim_generator"] == [ACME]
    assert report.actions[0]["action"] == "c2pa.opened"


def test_users_own_certificate_signs(studio, tmp_path):
    mine = local_certificate(tmp_path / "my-ca")  # stands in for a certificate the user bought
    asset = add_output(studio, "jpg")
    sign = SignWith(studio.paths.config_dir, str(mine.chain), str(mine.key))
    result = signed_export(studio, [asset], tmp_path / "out", sign)
    path = result.destination / result.files[0].name
    assert read_credentials(path, trust_anchors=mine.root.read_text()).status == "trusted"
    assert not (studio.paths.config_dir / "c2pa").exists()  # no local certificate was made


def test_bad_certificate_settings_fail_before_anything_is_written(studio, tmp_path):
    with pytest.raises(CredentialsError, match="both"):
        choose_certificate(studio.paths.config_dir, str(tmp_path / "chain.pem"), None)
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
    asset = add_output(studio, "png")
    with pytest.raises(ExportError, match="cannot sign"):
        signed_export(studio, [asset], tmp_path / "out",
                      SignWith(studio.paths.config_dir, str(key), str(key)))
    assert not (tmp_path / "out").exists()
