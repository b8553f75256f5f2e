"""RunPod pods: the service (service.py), its rows (records.py) and the idle guard
(guard.py). Import from those modules: the package itself loads nothing, so a studio that
has never run a pod can ask `records.pods_in_use` at start-up without loading the rest."""
