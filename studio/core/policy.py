"""Live or dry-run: live only when the provider family's flag is on AND a key is present.

In the sandbox (a local emulator, nothing billed) every job runs live whatever the flags
say; the decision then carries `outside`: what the same job would be outside the sandbox,
so the GUI, the CLI and the API can say "outside the sandbox this would be a dry-run".
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.core.config import Settings
from studio.core.secrets import KeyLookup, KeySource
from studio.providers.base import Family, ProviderInfo

_FLAG = {
    Family.PUBLIC_IMAGE: "enable_public_image_providers",
    Family.PUBLIC_VIDEO: "enable_public_video_providers",
    Family.ASSISTANT: "enable_assistant",
}


_SILENT = "the server does not answer; check its URL in Settings"
_UNCHECKED = "not checked yet whether the server answers (Refresh, or Test in Settings)"


@dataclass(frozen=True)
class Decision:
    """Whether a call goes out live or as a dry-run, and why."""
    live: bool
    reason: str
    status: str  # catalog status: live, dry-run, missing-credentials
    outside: Decision | None = None  # in the sandbox: the real-world decision

    @property
    def real(self) -> Decision:
        """What this job would be outside the sandbox (itself when not in it)."""
        return self.outside or self


def flag_name(family: Family) -> str | None:
    return _FLAG.get(family)


def gate_reason(info: ProviderInfo, settings: Settings) -> str | None:
    """Why a provider with a compliance gate stays disabled (None once the gate is passed)."""
    if info.compliance is None or settings.compliance.get(info.id):
        return None
    return info.compliance.reason


def decide(
    family: Family,
    settings: Settings,
    key: KeyLookup,
    *,
    key_required: bool = True,
    reachable: bool | None = None,
    disabled: str | None = None,
    sandbox: bool = False,
    unchecked: bool = False,
) -> Decision:
    """`reachable` is None when unknown or not applicable (only self-hosted servers);
    `unchecked`: a self-hosted server nobody has asked yet (never live before it answers).

    With `sandbox`, `key` is the real-world key (not the emulator's): the job runs live
    (unless disabled or its server does not answer) and `outside` says what it would be."""
    real = _real_world(family, settings, key, key_required=key_required,
                       reachable=reachable, disabled=disabled, unchecked=unchecked)
    if not sandbox:
        return real
    if disabled:
        return Decision(False, disabled, "disabled", outside=real)
    if reachable is False:
        return Decision(False, _SILENT, "dry-run", outside=real)
    if unchecked:
        return Decision(False, _UNCHECKED, "dry-run", outside=real)
    if real.live:
        reason = f"sandbox: nothing is billed; outside the sandbox this runs live too " \
                 f"({real.reason})"
    else:
        reason = ("sandbox: runs live at no cost; outside the sandbox this would be a "
                  f"dry-run ({real.reason})")
    return Decision(True, reason, "live", outside=real)


def _real_world(
    family: Family,
    settings: Settings,
    key: KeyLookup,
    *,
    key_required: bool,
    reachable: bool | None,
    disabled: str | None,
    unchecked: bool,
) -> Decision:
    if disabled:
        return Decision(False, disabled, "disabled")
    flag = flag_name(family)
    enabled = True if flag is None else bool(getattr(settings.features, flag))
    if key_required and not key.present:
        why = f"no API key ({key.detail})" if key.detail else "no API key"
        if not enabled:
            return Decision(False, f"features.{flag} is off and {why}", "missing-credentials")
        return Decision(False, why, "missing-credentials")
    if not enabled:
        return Decision(False, f"features.{flag} is off (API key required; dry-run only by "
                        "default)", "dry-run")
    if reachable is False:
        return Decision(False, _SILENT, "dry-run")
    if unchecked:
        return Decision(False, _UNCHECKED, "dry-run")
    if flag is None:
        where = "the server answers" if reachable else "self-hosted"
        return Decision(True, where, "live")
    where = "sandbox" if key.source is KeySource.SANDBOX else f"key from {key.source.value}"
    return Decision(True, f"features.{flag} is on and a {where} is present", "live")
