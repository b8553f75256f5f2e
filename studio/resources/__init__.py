"""Bundled data: ComfyUI workflow templates (and, later, icons and styles)."""
