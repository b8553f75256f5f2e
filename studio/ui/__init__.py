"""The desktop GUI (PySide6 + qasync). The only package besides studio.app that imports Qt."""
