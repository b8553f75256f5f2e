"""fal's two safety knobs, shared by its image and video params models."""

from __future__ import annotations

from studio.providers.base import ParamsBase


class FalSafety(ParamsBase):
    """The NSFW checker and (pro/veo models) the tolerance level; weakening needs consent."""

    def weakened_safety(self) -> dict[str, str]:
        out = {}
        if getattr(self, "enable_safety_checker", True) is False:
            out["enable_safety_checker"] = "turns fal's NSFW safety checker off"
        tolerance = getattr(self, "safety_tolerance", None)
        default = type(self).model_fields.get("safety_tolerance")
        if tolerance is not None and default is not None and tolerance > default.default:
            out["safety_tolerance"] = (f"raises the safety tolerance above the provider "
                                       f"default ({default.default})")
        return out
