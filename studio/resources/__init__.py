"""Bundled data: ComfyUI workflow templates, icons, styles, fonts, default config and
the Linux desktop files (licences in LICENSES.md)."""
