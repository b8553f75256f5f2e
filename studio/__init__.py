"""Provider Studio: audition image and video generation providers side by side."""

__version__ = "0.1.0"
