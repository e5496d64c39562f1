"""EduDX: the digital-transformation platform for a Vietnamese education authority."""

__version__ = "0.1.0"
