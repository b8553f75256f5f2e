"""Provider adapters. Each module declares one provider on the shared base."""

from __future__ import annotations

from functools import cache

from studio.providers.base import Provider


@cache
def registry() -> dict[str, Provider]:
    """Every adapter, keyed by provider id, in catalog order."""
    from studio.providers.comfyui import ComfyUIProvider
    from studio.providers.fal import FalProvider
    from studio.providers.firefly import FireflyProvider
    from studio.providers.luma import LumaProvider
    from studio.providers.luma_agents import LumaAgentsProvider
    from studio.providers.pika import PikaProvider
    from studio.providers.runpod import RunPodProvider
    from studio.providers.runway import RunwayProvider
    from studio.providers.stability import StabilityProvider
    from studio.providers.vividflow import VividFlowProvider

    providers: list[Provider] = [FalProvider(), RunwayProvider(), StabilityProvider(),
                                 LumaProvider(), LumaAgentsProvider(), PikaProvider(),
                                 FireflyProvider()]
    providers += [ComfyUIProvider(), RunPodProvider(), VividFlowProvider()]
    return {p.info.id: p for p in providers}


__all__ = ["Provider", "registry"]
