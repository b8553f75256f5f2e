"""One registry, one place per fact: what each provider declares, what is derived from it,
and a provider added from one module showing up in the catalog, the sandbox and Settings."""

import importlib
from pathlib import Path

import httpx
import pytest

from studio.core.config import set_value
from studio.core.declarations import (
    compliance_form,
    env_names,
    key_owners,
    provider_table,
)
from studio.core.jobs import JobStatus
from studio.core.service import Studio
from studio.providers import (
    MODULES_ENV,
    RegistryError,
    assistant_infos,
    infos,
    provider_classes,
    registry,
)
from studio.providers.base import DeclarationError, KeySpec, Kind, ProviderInfo, RenderRequest
from studio.sandbox import SandboxConfig, SandboxServer
from studio.sandbox.faults import PROVIDERS, FaultError, FaultState
from tests.conftest import provider_env_names, sandbox_requests

TOY = "tests.providers.toy_provider"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_declaration_keeps_the_contract():
    seen = set()
    for info in infos():
        assert info.id.isidentifier() and info.id == info.id.lower(), info.id
        assert info.base_url_env == f"STUDIO_{info.id.upper()}_BASE_URL"
        assert info.docs_url.startswith("https://") and info.pricing_url.startswith("https://")
        assert set(info.families) == set(info.kinds)
        assert info.price_sources, f"{info.id} declares no price source"
        if not info.key_from:
            assert not (set(info.key.env) & seen), "two providers read the same key variable"
            seen |= set(info.key.env)


def test_a_declaration_with_an_unsafe_id_is_refused_with_the_fix():
    key = KeySpec(env=("X_KEY",), keyring_entry="x")
    with pytest.raises(DeclarationError, match=r"must be env-safe.*\(try 'my_provider'\)"):
        ProviderInfo("my-provider", "X", (Kind.IMAGE,), key, "https://x", "https://x",
                     "https://x")
    with pytest.raises(DeclarationError, match="not a valid environment variable name"):
        KeySpec(env=("MY-KEY",), keyring_entry="x")


def test_the_sandbox_serves_each_provider_under_its_declared_mount():
    for info in infos():
        if info.key_from:
            assert info.sandbox is None  # served by the provider it borrows from
            continue
        module = importlib.import_module(info.sandbox.partition(":")[0])
        assert info.id == module.PROVIDER, f"{module.__name__} records as {module.PROVIDER}"
    assert tuple(i.id for i in [*infos(), *assistant_infos()] if i.sandbox) == PROVIDERS


def test_every_model_price_names_a_declared_source_and_is_exact_only_first_party():
    checked = 0
    for provider in registry().values():
        declared = set(provider.info.price_sources)
        for model in provider.models.values():
            try:
                params = model.params()
            except ValueError:
                continue  # required settings: priced once they are given
            price = model.estimate(params)
            assert price.source is not None, f"{provider.info.id}:{model.id} has no source"
            assert price.source in declared, f"{model.id}: undeclared {price.source.url}"
            assert price.source.checked[:2] == "20" and len(price.source.checked) == 10
            if price.exact:
                assert price.source.first_party, f"{model.id} exact on a third-party figure"
            checked += 1
    assert checked > 40


def test_env_names_and_the_fixture_come_from_the_declarations():
    names = env_names(infos())
    assert {"FAL_KEY", "LUMA_AGENTS_API_KEY", "STUDIO_LUMA_AGENTS_BASE_URL",
            "STUDIO_LUMA-AGENTS_BASE_URL", "FIREFLY_CLIENT_ID"} <= names
    assert provider_env_names() >= names


def test_readme_provider_table_matches_the_declarations():
    text = README.read_text(encoding="utf-8")
    table = provider_table(infos())
    assert table in text, ("the README's provider table is stale; paste this:\n" + table)


def test_providers_are_built_per_studio_with_its_own_environment(home, memory_keyring):
    """Firefly reads FIREFLY_CLIENT_ID from the Studio's env, not the process's."""
    one = Studio(home, env={"FIREFLY_CLIENT_ID": "client-one"})
    two = Studio(home, env={})
    assert one.providers["firefly"] is not two.providers["firefly"]
    assert one.providers["firefly"].env == {"FIREFLY_CLIENT_ID": "client-one"}
    settings = set_value(one.settings, "compliance.firefly", "true")
    one.update_settings(settings)
    call = one.prepare(one.check(RenderRequest(provider="firefly", model="firefly-image",
                                               prompt="x")))
    assert call.headers["x-api-key"] == "client-one"
    assert registry()["firefly"].env == {}


def test_base_url_env_names_are_env_safe_and_the_old_spelling_is_refused(home, memory_keyring):
    good = Studio(home, env={"STUDIO_LUMA_AGENTS_BASE_URL": "http://127.0.0.1:9/agents"})
    assert good.base_url("luma_agents") == "http://127.0.0.1:9/agents"
    old = Studio(home, env={"STUDIO_LUMA-AGENTS_BASE_URL": "http://127.0.0.1:9/agents"})
    hint = ("STUDIO_LUMA-AGENTS_BASE_URL is not read: provider ids in environment names are "
            "env-safe (letters, digits, underscore); set STUDIO_LUMA_AGENTS_BASE_URL instead")
    assert hint in old.warnings
    with pytest.raises(ValueError) as info:
        old.base_url("luma_agents")
    assert str(info.value) == hint


async def test_jobs_saved_under_a_former_id_still_find_their_provider(home, memory_keyring):
    studio = Studio(home, env={})
    try:
        assert studio.providers["luma-agents"] is studio.providers["luma_agents"]
        assert "luma-agents" in studio.providers and "luma_agents" in studio.providers
        assert list(studio.providers).count("luma_agents") == 1
        assert "luma-agents" not in list(studio.providers)
        job = await studio.submit(RenderRequest(provider="luma-agents", model="uni-1",
                                                prompt="a fox"))
        assert job.status is JobStatus.DRY_RUN
        assert job.provider == job.request["provider"] == "luma_agents"  # saved as it is now
    finally:
        await studio.aclose()


def test_a_broken_plugin_module_is_a_warning_not_a_crash(home, memory_keyring):
    studio = Studio(home, env={MODULES_ENV: "no.such.module"})
    assert any("'no.such.module' could not be imported" in w for w in studio.warnings)
    assert "fal" in studio.providers
    with pytest.raises(RegistryError, match="declared twice"):
        provider_classes(["studio.providers.fal"] * 2)


# ---- a provider added from one module ------------------------------------------------------


@pytest.fixture(scope="module")
def toy_sandbox():
    with SandboxServer(SandboxConfig(queue_seconds=0, run_seconds=0.1,
                                     provider_modules=(TOY,))) as server:
        yield server


async def test_a_toy_provider_from_one_module_is_everywhere(home, memory_keyring, toy_sandbox):
    env = {MODULES_ENV: TOY}
    # Catalog: its models, price and source, status from its own gate.
    studio = Studio(home, env=env, sandbox_url=toy_sandbox.url)
    try:
        entry = studio.catalog.entry("toy")
        assert (entry.name, entry.status) == ("Toy Images", "disabled")
        assert entry.reason == "accept the toy terms in Settings"
        [model] = entry.models
        assert model.price["usd"] == 0.01 and model.price["exact"]
        assert model.price["source"] == "https://toy.example.com/pricing"
        # Settings: a key row and a compliance switch, from the same declaration.
        assert "toy" in key_owners(studio.providers)
        assert "toy" in compliance_form(studio.providers).model_fields
        settings = set_value(studio.settings, "compliance.toy", "true")
        settings = set_value(settings, "features.enable_public_image_providers", "true")
        studio.update_settings(settings)
        assert studio.catalog.entry("toy").status == "live"
        # The sandbox serves it, records it, and its fault switches know it.
        job = await studio.wait((await studio.submit(
            RenderRequest(provider="toy", model="toy-1", prompt="a toy"))).id)
        assert job.status is JobStatus.SUCCEEDED, job.error
        assert studio.store.assets_for_job(job.id)[0].media_type == "image/png"
    finally:
        await studio.aclose()
    assert [r["path"] for r in sandbox_requests(toy_sandbox, "toy")][:1] == ["/toy/generate"]
    health = httpx.get(f"{toy_sandbox.url}/health").json()
    assert "toy" in health["providers"]
    faults = httpx.post(f"{toy_sandbox.url}/_sandbox/faults",
                        json={"rate_limit": {"provider": "toy", "count": 1}})
    assert faults.status_code == 200
    httpx.delete(f"{toy_sandbox.url}/_sandbox/faults")
    # Nothing leaks into a studio that did not ask for it.
    assert "toy" not in Studio(home, env={}).providers


def test_fault_switches_refuse_providers_the_sandbox_does_not_serve():
    with pytest.raises(FaultError, match="provider must be one of"):
        FaultState().apply({"rate_limit": {"provider": "toy"}})
    FaultState(providers=("toy",)).apply({"rate_limit": {"provider": "toy"}})


def test_the_assistant_endpoint_is_declared_like_a_provider_but_runs_no_jobs(home):
    [info] = assistant_infos()
    ids = {i.id for i in infos()}
    assert info.id not in ids  # no render jobs: not in the catalog, Compose or the README
    assert info.kinds == () and dict(info.families) == {}
    assert info.sandbox_mount == "/assistant" and info.key.env == ("STUDIO_ASSISTANT_API_KEY",)
    assert {"STUDIO_ASSISTANT_API_KEY", "STUDIO_ASSISTANT_BASE_URL"} <= provider_env_names()
    module = importlib.import_module(info.sandbox.partition(":")[0])
    assert info.id == module.PROVIDER
