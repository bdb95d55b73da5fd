"""Random draws tied to an image: the same (seed, image) always gives the same numbers, whatever
the batch order or chunk size."""

from __future__ import annotations

import hashlib

import numpy as np


def image_key(image: np.ndarray) -> int:
    """64 bits of the SHA-256 of the image's float32 bytes."""
    return int.from_bytes(hashlib.sha256(np.ascontiguousarray(image, np.float32).tobytes()).digest()[:8], "little")


def image_generator(image: np.ndarray, seed: int, salt: str = "") -> np.random.Generator:
    """A NumPy generator seeded by ``seed``, the image's key and, when given, a method's ``salt``
    (so two methods' draws for the same image are independent)."""
    entropy = [seed, image_key(image)]
    if salt:
        entropy.append(int.from_bytes(hashlib.sha256(salt.encode()).digest()[:4], "little"))
    return np.random.default_rng(entropy)
