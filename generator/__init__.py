"""Gradient Gallery: publish gradient, saliency and Integrated-Gradients reports for a Keras CNN."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gradient-gallery")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
