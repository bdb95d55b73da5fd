"""The CNN trained here: the MNIST network exactly for 28×28×1, and its rule for other inputs."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.stages.cnn import ARCHITECTURE, architecture_text, build_cnn, cnn_blocks, describe_cnn  # noqa: E402


def mnist_cnn_as_it_was():
    """The network issue 25 trained, written out layer by layer."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
        keras.layers.Dropout(0.5), keras.layers.Dense(10, name="logits")], name="gradient_gallery_cnn")


def test_the_cnn_for_28_by_28_grey_is_the_mnist_network_layer_for_layer_and_weight_for_weight():
    built = []
    for make in (mnist_cnn_as_it_was, build_cnn):
        keras.backend.clear_session()  # the same layer names, as in a fresh process
        keras.utils.set_random_seed(0)
        built.append(make())
    old, new = built
    assert new.to_json() == old.to_json()  # same layers, names, settings and order
    assert all(np.array_equal(a, b) for a, b in zip(old.get_weights(), new.get_weights()))
    assert architecture_text() == ARCHITECTURE == describe_cnn(new)


@pytest.mark.parametrize("side, blocks, feature", [
    ((28, 28), (32, 64), (5, 5)), ((32, 32), (32, 64), (6, 6)), ((64, 64), (32, 64, 128), (6, 6)),
    ((8, 8), (32,), (3, 3)), ((256, 256), (32, 64, 128, 128, 128), (6, 6)), ((8, 64), (32,), (3, 31)),
    ((16, 16), (32,), (7, 7))])
def test_blocks_are_added_until_the_feature_map_is_at_most_seven_pixels(side, blocks, feature):
    assert cnn_blocks(*side) == blocks
    model = build_cnn((*side, 3), 7)
    assert tuple(model.layers[-4].output.shape[1:3]) == feature  # the last pooling's output
    assert [layer.filters for layer in model.layers if hasattr(layer, "filters")] == list(blocks)
    assert tuple(model.outputs[0].shape[1:]) == (7,) and model.layers[-1].name == "logits"


def test_the_model_card_line_follows_the_input_and_the_classes():
    model = build_cnn((64, 64, 3), 2)
    assert describe_cnn(model) == architecture_text((64, 64, 3), 2) == (
        "Conv(32, 3×3, ReLU) → MaxPool(2) → Conv(64, 3×3, ReLU) → MaxPool(2) → Conv(128, 3×3, ReLU) → "
        "MaxPool(2) → Flatten → Dropout(0.5) → Dense(2 logits)")


def test_inputs_below_eight_pixels_and_fewer_than_two_classes_are_refused():
    with pytest.raises(ValueError, match="at least 8×8 pixels, got 7×28"):
        build_cnn((7, 28, 1), 10)
    with pytest.raises(ValueError, match="at least 2 classes, got 1"):
        build_cnn((28, 28, 1), 1)
