"""Where fal's models and prices come from (fal.py, fal_video.py and pika.py cite these).

Model ids, fields and defaults: fal's published endpoint types in its JS client (the Python
client has no per-model types). Prices: each model's page on fal.ai, which is fal's own word
(fal sells these models), unless marked as a third-party figure.
"""

from __future__ import annotations

from studio.providers.pricing import PriceSource

# fal-ai/fal-js at 381105e (2026-08-02, "chore: update endpoints types"). fal-ai/veo3 is not
# in it any more, so it is not offered here.
ENDPOINTS = ("https://github.com/fal-ai/fal-js/blob/381105e138b85502b528fb8f6c16d909e30e462a/"
             "libs/client/src/types/endpoints.ts")


def _page(endpoint: str, checked: str = "2026-11-21") -> PriceSource:
    return PriceSource(f"https://fal.ai/models/{endpoint}/llms.txt", checked, first_party=True)


# "Your request will cost $0.025 per megapixel. Images are billed by rounding up to the
# nearest megapixel." (fal's FLUX.1 [dev] page, read 2026-12-06)
FLUX_DEV_PAGE = PriceSource("https://fal.ai/models/fal-ai/flux-1/dev/playground", "2026-12-06",
                            first_party=True)
# "A typical inference takes 2.3 seconds and will cost ~$0.0025." (fal's docs)
FAST_SDXL_DOCS = PriceSource("https://fal.ai/docs/examples/image-generation/fast-sdxl",
                             "2026-12-06", first_party=True,
                             note="a typical cost, not a price list")
FLUX_ULTRA_DOCS = PriceSource(
    "https://fal.ai/docs/model-api-reference/image-generation-api/flux-pro-v1.1-ultra",
    "2026-12-06", first_party=True)
# Third-party lists disagree ($0.04/image or $0.055/megapixel); fal's page was not read.
FLUX_PRO_THIRD_PARTY = PriceSource("https://www.hiway2llm.com/docs/multimodal/multimodal-images",
                                   "2026-12-06", note="third-party list")
# Luma Ray 2 (non-flash) on fal: only third-party lists give $0.50 per 5 s at 540p.
RAY2_THIRD_PARTY = PriceSource(
    "https://keigit.com/keisei/KeiSeiKit-1.0/raw/commit/596e0b20a157648349d5522cff59229e8d71da71/"
    "_blocks/api-fal-ai.md", "2026-12-06", note="third-party list")

PRICE_SOURCES_BY_MODEL: dict[str, PriceSource] = {
    model: _page(model) for model in (
        "fal-ai/flux/schnell",
        "fal-ai/kling-video/v2.1/standard/image-to-video",
        "fal-ai/kling-video/v2.1/pro/image-to-video",
        "fal-ai/kling-video/v2.1/master/image-to-video",
        "fal-ai/kling-video/v2.1/master/text-to-video",
        "fal-ai/luma-dream-machine/ray-2-flash",
        "fal-ai/pixverse/v4.5/text-to-video",
        "fal-ai/wan-t2v",
        "fal-ai/wan-i2v",
        "fal-ai/veo3.1",
        "fal-ai/pika/v2.2/text-to-video",
        "fal-ai/pika/v2.2/image-to-video",
    )
}

PRICE_SOURCES: tuple[PriceSource, ...] = (
    FLUX_DEV_PAGE, FAST_SDXL_DOCS, FLUX_ULTRA_DOCS, FLUX_PRO_THIRD_PARTY, RAY2_THIRD_PARTY,
    *PRICE_SOURCES_BY_MODEL.values(),
)
