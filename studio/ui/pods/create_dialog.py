"""Create a pod: a template or an image, a GPU type (price and availability beside it), the
cloud, a network volume and the ports. The dialog only builds the request; the dock sends
it through the pods service (a dry-run unless RunPod's flag is on and a key is present)."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.providers.runpod_pods import CreatePod, GpuType, NetworkVolume, Template


class CreatePodDialog(QDialog):
    def __init__(self, gpus: list[GpuType], templates: list[Template],
                 volumes: list[NetworkVolume], *, live: bool, reason: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Create a pod")
        self.setObjectName("createPodDialog")
        self.gpus = gpus
        self.spec: CreatePod | None = None
        form = QFormLayout()
        self.name = QLineEdit("studio-comfyui")
        form.addRow("Name", self.name)
        self.use_template = QRadioButton("Template")
        self.use_image = QRadioButton("Image")
        self.template = QComboBox()
        for t in sorted(templates, key=lambda t: not t.is_comfyui):
            comfy = t.is_comfyui and "comfyui" not in t.name.lower()
            self.template.addItem(f"{t.name}{'  (ComfyUI)' if comfy else ''}", t.id)
        self.image = QLineEdit()
        self.image.setPlaceholderText("e.g. runpod/comfyui:latest")
        self.use_template.setChecked(self.template.count() > 0)
        self.use_image.setChecked(self.template.count() == 0)
        form.addRow(self.use_template, self.template)
        form.addRow(self.use_image, self.image)
        self.gpu = QComboBox()
        self.cloud = QComboBox()
        self.cloud.addItem("Secure cloud", "SECURE")
        self.cloud.addItem("Community cloud", "COMMUNITY")
        self.count = QSpinBox()
        self.count.setRange(1, 8)
        form.addRow("Cloud", self.cloud)
        form.addRow("GPU type", self.gpu)
        form.addRow("GPUs", self.count)
        self.volume = QComboBox()
        self.volume.addItem("None", "")
        for v in volumes:
            self.volume.addItem(f"{v.name} ({v.size_gb or 0:g} GB, {v.data_center})", v.id)
        form.addRow("Network volume", self.volume)
        self.ports = QLineEdit("8188/http")
        self.ports.setToolTip("Comma-separated, e.g. 8188/http, 22/tcp (ComfyUI needs 8188/http)")
        form.addRow("Ports", self.ports)
        self.price = QLabel()
        self.price.setObjectName("createPodPrice")
        self.error = QLabel()
        self.error.setStyleSheet("color: #d9534f")
        self.error.setWordWrap(True)
        note = QLabel("Sent to RunPod: the pod bills per second while it is up."
                      if live else f"Dry-run: the request and its price are recorded, nothing "
                                   f"is sent ({reason}).")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.addButton("Create" if live else "Record dry-run",
                                    QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for w in (self.price, note, self.error, buttons):
            layout.addWidget(w)
        self.cloud.currentIndexChanged.connect(self._fill_gpus)
        self.gpu.currentIndexChanged.connect(self._show_price)
        self.count.valueChanged.connect(self._show_price)
        self._fill_gpus()

    def _fill_gpus(self) -> None:
        cloud = self.cloud.currentData()
        current = self.gpu.currentData()
        self.gpu.blockSignals(True)
        self.gpu.clear()
        for g in self.gpus:
            price = g.price(cloud)
            label = f"{g.name} — " + (f"${price:.2f}/h" if price is not None else "not offered")
            if not g.available(cloud):
                label += " (unavailable)"
            self.gpu.addItem(label, g.id)
        index = self.gpu.findData(current)
        self.gpu.setCurrentIndex(max(0, index))
        self.gpu.blockSignals(False)
        self._show_price()

    def _show_price(self) -> None:
        gpu = next((g for g in self.gpus if g.id == self.gpu.currentData()), None)
        price = gpu.price(self.cloud.currentData()) if gpu else None
        self.price.setText("Price: unknown" if price is None else
                           f"Price: ${price * self.count.value():.2f} per hour while it runs")

    def _accept(self) -> None:
        ports = [p.strip() for p in self.ports.text().split(",") if p.strip()]
        try:
            self.spec = CreatePod(
                name=self.name.text().strip() or "studio-comfyui",
                gpu_type_id=self.gpu.currentData() or "", gpu_count=self.count.value(),
                cloud_type=self.cloud.currentData(),
                template_id=self.template.currentData() if self.use_template.isChecked()
                else None,
                image_name=self.image.text().strip() or None if self.use_image.isChecked()
                else None,
                network_volume_id=self.volume.currentData() or None, ports=ports)
        except ValidationError as exc:
            first = exc.errors()[0]
            self.error.setText(str(first["msg"]).removeprefix("Value error, "))
            return
        self.accept()
