"""The Pods dock: two pods (one up with its ComfyUI registered, one stopped), the GPU
types, the Create dialog and the terminate confirmation."""

from __future__ import annotations

from studio.ui.screenshots.camera import Camera, settle


async def make_pods(studio) -> None:
    """Pods in the sandbox: `comfy-4090` running (its ComfyUI a server) and `a5000-idle`
    stopped. The sandbox's pods boot in a second of real time."""
    from studio.providers.runpod_pods import CreatePod

    up = await studio.pods.create(CreatePod(name="comfy-4090", gpu_type_id="NVIDIA GeForce "
                                            "RTX 4090", template_id="runpod-comfyui"))
    down = await studio.pods.create(CreatePod(name="a5000-idle", gpu_type_id="NVIDIA RTX A5000",
                                              cloud_type="COMMUNITY",
                                              template_id="runpod-comfyui"))
    if up.pod_id and down.pod_id:
        await studio.pods.wait_ready(up.pod_id, timeout=20, interval=0.2)  # polls the boot
        await studio.pods.act(down.pod_id, "stop")


async def shoot_pods(window, camera: Camera) -> None:
    dock = window.pods_dock
    dock.raise_()
    await dock.refresh()
    dock.table.selectRow(0)
    await settle(0.4)
    camera.grab(window, "main_window_pods")
    camera.grab(dock, "pods")
    dock.tabs.setCurrentIndex(1)
    await settle(0.2)
    camera.grab(dock, "pods_gpu_types")
    dock.tabs.setCurrentIndex(0)
    dialog = dock.open_create()
    await settle(0.3)
    camera.grab(dialog, "pods_create")
    dialog.reject()
    box = dock.confirm_terminate()
    if box is not None:
        await settle(0.3)
        camera.grab(box, "pods_terminate")
        box.reject()
    window.queue.raise_()
