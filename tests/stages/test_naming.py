"""What the pages call the dataset, and that only MNIST is spoken of as digits."""

from __future__ import annotations

import pytest

from generator.pages.decoy import TEMPLATE as DECOY_TEMPLATE
from generator.pages.decoy import decoy_context
from generator.pages.markdown_text import environment
from generator.plumbing.settings import DataSettings
from generator.stages.naming import MNIST_DESCRIPTION, MNIST_SHA256, NEUTRAL_DESCRIPTION, dataset_words, neutral_description
from tests.helpers.decoy import synthetic_decoy
from tests.helpers.pages import TEMPLATES

OTHER_SHA256 = "0f" * 32


@pytest.mark.parametrize("path, sha256, name", [
    ("", OTHER_SHA256, "MNIST"),  # the built-in sources are MNIST
    ("copies/mnist-copy.npz", MNIST_SHA256, "MNIST"),  # the same arrays under another name
    ("data/fashion.npz", OTHER_SHA256, "fashion"),
    ("data/fashion-idx/", OTHER_SHA256, "fashion-idx"),  # an IDX directory
    ("data/letters.npz.gz", OTHER_SHA256, "letters"),
])
def test_an_unnamed_dataset_is_mnist_only_for_mnist_data(path: str, sha256: str, name: str) -> None:
    words = dataset_words(DataSettings(path=path), sha256)
    assert words.name == name and words.is_mnist == (name == "MNIST")
    assert words.description == (MNIST_DESCRIPTION if name == "MNIST" else NEUTRAL_DESCRIPTION)


def test_the_settings_name_and_description_win() -> None:
    named = dataset_words(DataSettings(name="Clothes", description="Zalando articles"), MNIST_SHA256)
    assert (named.name, named.description, named.is_mnist) == ("Clothes", "Zalando articles", False)
    claimed = dataset_words(DataSettings(path="mine.npz", name="MNIST"), OTHER_SHA256)
    assert claimed.is_mnist and claimed.description == MNIST_DESCRIPTION
    assert dataset_words(DataSettings(name="Clothes"), OTHER_SHA256).description == NEUTRAL_DESCRIPTION


def test_the_decoy_page_cites_mnist_and_its_digits_only_for_mnist() -> None:
    decoy = synthetic_decoy(n=5)
    template = environment(TEMPLATES).get_template(DECOY_TEMPLATE)
    mnist = template.render(decoy_context(decoy, 0.5, mnist=True))
    other = template.render(decoy_context(decoy, 0.5, mnist=False))
    assert "Decoy MNIST" in mnist and "it had learned mostly the digit" in mnist
    assert not any(word in other.lower() for word in ("digit", "mnist", "handwritten"))
    assert "the rest of the image is swapped" in other


@pytest.mark.parametrize("shape, classes, expected", [
    ((28, 28, 1), 10, "28×28 grayscale images in 10 classes"),
    ((32, 32, 3), 20, "32×32 RGB images in 20 classes"),
    ((64, 48, 3), 2, "64×48 RGB images in 2 classes"),
    ((8, 8, 1), 1000, "8×8 grayscale images in 1,000 classes"),
])
def test_the_default_description_names_the_shape_and_the_classes(shape, classes, expected) -> None:
    assert neutral_description(*shape, classes) == expected
    words = dataset_words(DataSettings(name="shapes"), OTHER_SHA256, image_shape=shape, classes=classes)
    assert words.description == expected and not words.is_mnist
    # MNIST keeps its own words whatever it is asked.
    assert dataset_words(DataSettings(), MNIST_SHA256, image_shape=shape, classes=classes).description == MNIST_DESCRIPTION


@pytest.mark.parametrize("classes, chance", [(2, "50%"), (10, "10%"), (20, "5%"), (100, "1%")])
def test_the_decoy_page_states_chance_as_one_in_k(classes, chance) -> None:
    text = environment(TEMPLATES).get_template(DECOY_TEMPLATE).render(
        decoy_context(synthetic_decoy(n=5), 0.5, mnist=False, classes=classes))
    assert f"(chance is {chance})" in text
