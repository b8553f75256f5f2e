"""What a RunPod Serverless job costs: the endpoint's GPU rate per second times its run time.

RunPod bills each worker by the second (rounded up), at the rate of the endpoint's GPU type
(docs.runpod.io/serverless/pricing, flex workers). A job's own price is that rate times how
long it runs: the estimate uses this model's typical run time in this studio; the actual cost
uses the executionTime RunPod reports (cold start and idle time are billed too, so it is a
lower bound). The rate comes from the provider's settings (Settings.provider_options.runpod):
a GPU type or a $/s figure, for all endpoints or per endpoint id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.providers.pricing import Bill, Price, PriceSource

PRICING = PriceSource("https://docs.runpod.io/serverless/pricing", "2026-12-06",
                      first_party=True, note="flex worker rates per second")

GpuType = Literal[
    "A4000, A4500, RTX 4000 (16 GB)", "4090 PRO (24 GB)", "L4, A5000, 3090 (24 GB)",
    "L40, L40S, 6000 Ada PRO (48 GB)", "A6000, A40 (48 GB)", "H100 PRO (80 GB)",
    "A100 (80 GB)", "H200 PRO (141 GB)", "B200 (180 GB)",
]
USD_PER_SECOND: dict[str, float] = {
    "A4000, A4500, RTX 4000 (16 GB)": 0.00016,
    "4090 PRO (24 GB)": 0.00031,
    "L4, A5000, 3090 (24 GB)": 0.00019,
    "L40, L40S, 6000 Ada PRO (48 GB)": 0.00053,
    "A6000, A40 (48 GB)": 0.00034,
    "H100 PRO (80 GB)": 0.00116,
    "A100 (80 GB)": 0.00076,
    "H200 PRO (141 GB)": 0.00155,
    "B200 (180 GB)": 0.00240,
}
DEFAULT_GPU: GpuType = "L4, A5000, 3090 (24 GB)"


class EndpointRate(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    gpu: GpuType | None = Field(None, description="The endpoint's GPU type")
    usd_per_second: float | None = Field(None, gt=0, description="Your own $/s for it")


class RunPodOptions(BaseModel):
    """Settings.provider_options.runpod: the GPU rate of your endpoints."""

    model_config = ConfigDict(extra="forbid", defer_build=True)  # built on first use

    gpu: GpuType | None = Field(None, description="GPU type of your endpoint (its rate is "
                                                  "RunPod's published flex price)")
    usd_per_second: float | None = Field(None, gt=0, description="Your own $/s, overriding "
                                                                 "the GPU's published rate")
    endpoints: dict[str, EndpointRate] = Field(
        default_factory=dict, description="Per endpoint id: its GPU type or $/s")


def rate_for(options: Mapping[str, Any], endpoint_id: str) -> tuple[float, str, bool]:
    """($/s, where it comes from, whether it is RunPod's published rate) for an endpoint."""
    try:
        opts = RunPodOptions.model_validate(dict(options))
    except ValidationError:
        opts = RunPodOptions()
    specific = opts.endpoints.get(endpoint_id) if endpoint_id else None
    for layer, where in ((specific, f"endpoint {endpoint_id}"), (opts, "your RunPod setting")):
        if layer is None:
            continue
        if layer.usd_per_second:
            return layer.usd_per_second, f"${layer.usd_per_second:g}/s ({where})", False
        if layer.gpu:
            rate = USD_PER_SECOND[layer.gpu]
            return rate, f"${rate:g}/s for {layer.gpu} ({where}, RunPod's flex rate)", True
    rate = USD_PER_SECOND[DEFAULT_GPU]
    return rate, (f"${rate:g}/s for {DEFAULT_GPU} (no GPU type named in Settings: RunPod's "
                  "flex rate assumed)"), True


def estimate(bill: Bill) -> Price:
    endpoint = str(getattr(bill.params, "endpoint_id", "") or "")
    rate, where, _ = rate_for(bill.options, endpoint)
    if not bill.observed_seconds:
        return Price(usd=None, source=PRICING,
                     basis=f"{where} x run time; no finished run of this model here to "
                           "measure yet")
    seconds = math.ceil(bill.observed_seconds)
    return Price(usd=rate * seconds, source=PRICING,
                 basis=f"estimate: {where} x {seconds} s (this model's typical submit-to-done "
                       "time here)")


def actual(options: Mapping[str, Any], endpoint_id: str, execution_ms: float) -> Price:
    rate, where, _ = rate_for(options, endpoint_id)
    seconds = math.ceil(execution_ms / 1000)
    return Price(usd=rate * seconds, source=PRICING,
                 basis=f"RunPod's executionTime {execution_ms / 1000:.1f} s, billed as "
                       f"{seconds} s x {where}; cold start and idle time are billed too")
