"""Reaching the assistant's chat endpoint: which adapter, where (base URL), with what key,
and whether a call may go out at all (the same policy as every provider: the feature flag
`features.enable_assistant` AND a key, else a dry-run)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from studio.core.config import AssistantSettings
from studio.core.policy import Decision, decide
from studio.core.ports import KeyVault, SettingsSource, SharedHttp
from studio.core.redaction import Redactor
from studio.core.secrets import KeyLookup
from studio.providers import assistant_class
from studio.providers.base import Family, ProviderContext, ProviderInfo
from studio.providers.chat import ChatProvider
from studio.providers.http import check_base_url


class ChatAccess:
    def __init__(self, keys: KeyVault, client: SharedHttp, config: SettingsSource,
                 redactor: Redactor, *, env: Mapping[str, str],
                 sandbox_url: str | None = None) -> None:
        self.keys = keys
        self.client = client
        self.config = config
        self.redactor = redactor
        self.env = env
        self.sandbox_url = sandbox_url
        self.provider: ChatProvider = assistant_class()(env)

    @property
    def info(self) -> ProviderInfo:
        return self.provider.info

    @property
    def settings(self) -> AssistantSettings:
        return self.config.settings.assistant

    def model(self, *, vision: bool = False) -> str:
        settings = self.settings
        return (settings.vision_model or settings.model) if vision else settings.model

    def key(self) -> KeyLookup:
        return self.keys.lookup(self.info.key)

    def base_url(self) -> str:
        """The sandbox's mount, STUDIO_ASSISTANT_BASE_URL, Settings, else OpenAI's. Raises
        ValueError for a URL that is not https (plain http only on this computer)."""
        if self.sandbox_url:
            return f"{self.sandbox_url}/{self.info.id}"
        url = (self.env.get(self.info.base_url_env) or self.settings.base_url
               or self.info.default_base_url)
        return check_base_url(url)

    def context(self) -> ProviderContext:
        return ProviderContext(base_url=self.base_url(), key=self.key().value,
                               sandbox=self.sandbox_url is not None,
                               options={"auth_scheme": self.settings.auth_scheme})

    def decision(self) -> Decision:
        return decide(Family.ASSISTANT, self.config.settings, self.key())

    async def http(self) -> httpx.AsyncClient:
        return await self.client.http()

    def store_key(self, value: str) -> None:
        """Into the OS keyring (never the settings); raises KeyringUnavailable or
        ValueError with words for the user."""
        self.keys.store(self.info.key, value)
        self.redactor.add([value.strip()])

    def delete_key(self) -> bool:
        return self.keys.delete(self.info.key)
