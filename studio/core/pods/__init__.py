"""RunPod pods: the service (service.py), its rows (records.py) and the idle guard."""

from studio.core.pods.guard import IdleGuard, IdleVerdict
from studio.core.pods.records import PodAction, ServerRow
from studio.core.pods.service import PodEvent, PodsService, PodView, RunningCost

__all__ = ["IdleGuard", "IdleVerdict", "PodAction", "PodEvent", "PodView", "PodsService",
           "RunningCost", "ServerRow"]
