"""The options of ``gradient-gallery bench``: flags only, never read from the settings file.

Kept apart from :mod:`generator.plumbing.settings` (the build's settings) and free of heavy
imports, so that the command line can show their defaults in ``--help`` cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchOptions:
    """What ``gradient-gallery bench`` measures (flags only; not read from the settings file)."""

    images: int = 256
    """Test images for the engine and the floor."""
    steps: int = 50
    """IG quadrature nodes."""
    method: str = "gauss_legendre"
    """Quadrature rule."""
    chunk_size: int = 512
    """Image-steps per compiled gradient call."""
    reference_images: int = 4
    """Images for the slow reference loop (one tape per step, batch of one)."""
    throughput_images: int = 2000
    """Images for the gradient and saliency throughput."""
    repeats: int = 3
    """Every timing is the best of this many runs."""
