"""Randomised models for the sanity checks: the trained model untouched, seeds, cascade order, data randomisation."""

import hashlib
import time

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator.attributions import gradient  # noqa: E402
from generator.stages.data import Dataset, arrays_sha256  # noqa: E402
from generator.stages.model import build_cnn  # noqa: E402
from generator.stages.randomisation import (  # noqa: E402
    RandomLabelModel,
    cascade,
    independent,
    randomised_copy,
    train_on_random_labels,
    weighted_layers,
)

@pytest.fixture(scope="module")
def cnn():
    """The report's CNN with non-zero biases, standing in for a trained model."""
    keras.utils.set_random_seed(3)
    model = build_cnn()
    rng = np.random.default_rng(3)
    model.set_weights([w + rng.normal(scale=0.1, size=w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def layer_weights(model, name):
    return [np.asarray(w) for w in model.get_layer(name).get_weights()]


def fingerprint(model) -> str:
    digest = hashlib.sha256()
    for weight in model.get_weights():
        digest.update(np.ascontiguousarray(weight).tobytes())
    return digest.hexdigest()


def same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def differ_everywhere_but_zero_biases(a, b) -> bool:
    """Every weight array changed, except a bias re-drawn as zeros from a zero one."""
    return all(not np.array_equal(x, y) or not y.any() for x, y in zip(a, b))


def test_weighted_layers_cascade_order_and_skipped_layers(cnn):
    order, skipped = weighted_layers(cnn)
    assert [cnn.get_layer(n).__class__.__name__ for n in order] == ["Dense", "Conv2D", "Conv2D"]
    assert order[0] == "logits"
    assert order == [layer.name for layer in reversed(cnn.layers) if layer.weights]
    assert [cnn.get_layer(n).__class__.__name__ for n in skipped] == [
        "Dropout", "Flatten", "MaxPooling2D", "MaxPooling2D"]


def test_cascade_and_independent_leave_the_trained_model_byte_identical(cnn):
    before = fingerprint(cnn)
    copies = cascade(cnn, seed=1) + independent(cnn, seed=1) + [("x", randomised_copy(cnn, ["logits"], seed=2))]
    assert fingerprint(cnn) == before
    assert all(copy is not cnn for _, copy in copies)


def test_cascade_randomises_exactly_the_top_k_layers(cnn):
    order, _ = weighted_layers(cnn)
    steps = cascade(cnn, seed=5)
    assert [name for name, _ in steps] == order
    for k, (_, copy) in enumerate(steps, start=1):
        for position, name in enumerate(order):
            trained, now = layer_weights(cnn, name), layer_weights(copy, name)
            if position < k:
                assert not np.array_equal(trained[0], now[0]), (k, name)
                assert differ_everywhere_but_zero_biases(trained, now)
            else:
                assert same(trained, now), (k, name)


def test_layers_are_reinitialised_with_their_own_initializers(cnn):
    logits, upper_conv, first_conv = weighted_layers(cnn)[0]
    copy = randomised_copy(cnn, [logits, first_conv], seed=9)
    for name in (logits, first_conv):
        kernel, bias = layer_weights(copy, name)
        fan_in, fan_out = np.prod(kernel.shape[:-1]), kernel.shape[-1] * np.prod(kernel.shape[:-2])
        limit = np.sqrt(6 / (fan_in + fan_out))  # glorot_uniform, the default kernel_initializer
        assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.8 * limit
        np.testing.assert_array_equal(bias, 0.0)  # zeros, the default bias_initializer
    assert same(layer_weights(copy, upper_conv), layer_weights(cnn, upper_conv))


def test_randomisation_is_reproducible_from_the_seed(cnn):
    names = weighted_layers(cnn)[0][:2]
    first = randomised_copy(cnn, names, seed=11)
    again = randomised_copy(cnn, names, seed=11)
    other = randomised_copy(cnn, names, seed=12)
    assert same(first.get_weights(), again.get_weights())
    for name in names:
        assert not np.array_equal(layer_weights(first, name)[0], layer_weights(other, name)[0])


def test_a_layer_gets_the_same_random_weights_in_cascade_and_independent(cnn):
    order = weighted_layers(cnn)[0]
    cascaded = dict(cascade(cnn, seed=4))
    alone = dict(independent(cnn, seed=4))
    assert list(alone) == order
    for name in order:
        assert same(layer_weights(alone[name], name), layer_weights(cascaded[order[-1]], name))
        for other in order:
            if other != name:
                assert same(layer_weights(alone[name], other), layer_weights(cnn, other))


def test_unknown_or_weightless_layers_are_refused(cnn):
    flatten = next(n for n in weighted_layers(cnn)[1] if n.startswith("flatten"))
    with pytest.raises(ValueError, match=flatten):
        randomised_copy(cnn, [flatten], seed=0)
    with pytest.raises(ValueError, match="no_such_layer"):
        randomised_copy(cnn, ["no_such_layer"], seed=0)


def test_linear_model_gradient_after_randomisation_is_the_new_kernel_column():
    """Logits = W·x + b, so ∂logit_t/∂x is column t of whatever kernel the model holds."""
    shape, classes = (6, 5, 1), 4
    model = keras.Sequential([keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(classes, name="logits")])
    rng = np.random.default_rng(0)
    trained_kernel = rng.normal(size=(30, classes)).astype(np.float32)
    model.get_layer("logits").set_weights([trained_kernel, rng.normal(size=classes).astype(np.float32)])
    [(name, copy)] = cascade(model, seed=21)
    assert name == "logits"
    kernel = layer_weights(copy, "logits")[0]
    assert not np.allclose(kernel, trained_kernel)
    images = rng.uniform(size=(5, *shape)).astype(np.float32)
    targets = np.array([0, 3, 1, 2, 3])
    expected = np.moveaxis(kernel.reshape(*shape, classes), -1, 0)[targets]
    np.testing.assert_allclose(gradient(copy, images, targets), expected, rtol=1e-6)
    np.testing.assert_allclose(gradient(model, images, targets),
                               np.moveaxis(trained_kernel.reshape(*shape, classes), -1, 0)[targets], rtol=1e-6)


def tiny_dataset(train: int = 300, test: int = 100) -> Dataset:
    """Digits that are easy to tell apart: class k lights up row band k."""
    rng = np.random.default_rng(0)
    y_train = np.arange(train) % 10
    y_test = np.arange(test) % 10
    x = []
    for labels in (y_train, y_test):
        images = rng.integers(0, 40, size=(len(labels), 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 + 2 * k:4 + 2 * k, 4:24] = 255
        x.append(images)
    arrays = (x[0], y_train.astype(np.int64), x[1], y_test.astype(np.int64))
    return Dataset(*arrays, source="synthetic", sha256=arrays_sha256(*arrays))


def test_train_on_random_labels_fits_permuted_labels_reproducibly():
    data = tiny_dataset()
    started = time.perf_counter()
    first = train_on_random_labels(data, images=200, fit_target=0.99, max_epochs=2, seed=5)
    again = train_on_random_labels(data, images=200, fit_target=0.99, max_epochs=2, seed=5)
    elapsed = time.perf_counter() - started
    assert isinstance(first, RandomLabelModel)
    assert first.epochs == 2 and not first.reached_target and len(first.fit_per_epoch) == 2
    assert 0.0 <= first.train_fit <= 1.0 and 0.0 <= first.test_accuracy <= 1.0 and first.seconds > 0
    assert first.labels.shape == (200,)
    assert np.array_equal(np.bincount(first.labels, minlength=10), np.bincount(data.y_train[:200], minlength=10))
    assert np.mean(first.labels == data.y_train[:200]) < 0.3  # permuted, not the originals
    assert np.array_equal(first.labels, again.labels)
    assert first.train_fit == again.train_fit and first.test_accuracy == again.test_accuracy
    assert same(first.model.get_weights(), again.model.get_weights())
    other = train_on_random_labels(data, images=200, max_epochs=1, seed=6)
    assert not np.array_equal(other.labels, first.labels)
    print(f"three tiny random-label trainings: {elapsed:.1f} s")


def test_train_on_random_labels_stops_at_the_target():
    reached = train_on_random_labels(tiny_dataset(), images=100, fit_target=0.0, max_epochs=5, seed=1)
    assert reached.epochs == 1 and reached.reached_target


def small_custom_model(seed: int = 0, frozen_first: bool = False):
    """A user's model that is not the report's CNN: Flatten → Dense(12, tanh) → Dense(10)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(name="flat"),
                              keras.layers.Dense(12, activation="tanh", name="hidden"),
                              keras.layers.Dense(10, name="scores")], name="users_model")
    if frozen_first:
        model.get_layer("hidden").trainable = False
    return model


def test_data_randomisation_trains_a_fresh_copy_of_the_users_architecture():
    from generator.stages.randomisation import fresh_architecture

    user = small_custom_model()
    before = fingerprint(user)
    copy, reason = fresh_architecture(user, seed=3)
    assert reason is None and copy is not user
    assert [type(layer).__name__ for layer in copy.layers] == ["Flatten", "Dense", "Dense"]
    assert [w.shape for w in copy.get_weights()] == [w.shape for w in user.get_weights()]
    assert not np.array_equal(copy.get_layer("hidden").get_weights()[0], user.get_layer("hidden").get_weights()[0])
    trained = train_on_random_labels(tiny_dataset(), images=60, max_epochs=3, fit_target=1.1, seed=3,
                                     architecture=copy, log=lambda line: None)
    assert trained.model is copy and trained.epochs == 3 and trained.outputs_logits
    assert [type(layer).__name__ for layer in trained.model.layers] == ["Flatten", "Dense", "Dense"]
    assert fingerprint(user) == before  # the user's model is never trained


def test_frozen_layers_keep_the_users_weights_and_nothing_to_train_is_refused():
    from generator.stages.randomisation import fresh_architecture, frozen_layers

    user = small_custom_model(frozen_first=True)
    assert frozen_layers(user) == ["hidden"]
    copy, reason = fresh_architecture(user, seed=1)
    assert reason is None and not copy.get_layer("hidden").trainable
    assert same(layer_weights(copy, "hidden"), layer_weights(user, "hidden"))
    assert not same(layer_weights(copy, "scores"), layer_weights(user, "scores"))
    trained = train_on_random_labels(tiny_dataset(), images=40, max_epochs=2, fit_target=1.1, seed=1,
                                     architecture=copy, log=lambda line: None)
    assert same(layer_weights(trained.model, "hidden"), layer_weights(user, "hidden"))

    user.trainable = False
    copy, reason = fresh_architecture(user, seed=1)
    assert copy is None and "no trainable weights" in reason


def test_a_model_keras_cannot_clone_is_skipped_with_the_reason():
    from generator.stages.randomisation import fresh_architecture

    class Custom(keras.Model):  # subclassed, without get_config: Keras cannot rebuild it
        def __init__(self):
            super().__init__()
            self.flat, self.dense = keras.layers.Flatten(), keras.layers.Dense(10)

        def call(self, x):
            return self.dense(self.flat(x))

    model = Custom()
    model(np.zeros((1, 28, 28, 1), np.float32))
    copy, reason = fresh_architecture(model, seed=0)
    assert copy is None and reason.startswith("Keras could not clone the model's architecture")


def test_the_trust_stage_gives_a_loaded_model_its_own_random_label_network():
    import dataclasses

    from generator.plumbing.settings import Settings
    from generator.stages.random_labels import random_label_network

    defaults = Settings()
    trust = dataclasses.replace(defaults.trust, random_label_images=40, random_label_epochs=2)
    loaded = dataclasses.replace(defaults, train=dataclasses.replace(defaults.train, model="user.keras"), trust=trust)
    user = small_custom_model(seed=4)
    fn, facts = random_label_network(user, tiny_dataset(), loaded, lambda line: None)
    assert facts.architecture == "clone" and facts.skipped is None and facts.epochs == 2
    assert [type(layer).__name__ for layer in fn.model.layers] == ["Flatten", "Dense", "Dense"]  # not the CNN
    user.trainable = False  # nothing left to train: skipped, with the reason
    fn, facts = random_label_network(user, tiny_dataset(), loaded, lambda line: None)
    assert fn is None and facts.skipped.startswith("the model has no trainable weights")
    own = dataclasses.replace(defaults, trust=trust)  # a model trained here: the report's CNN
    fn, facts = random_label_network(user, tiny_dataset(), own, lambda line: None)
    assert facts.architecture == "cnn" and [type(layer).__name__ for layer in fn.model.layers][0] == "Conv2D"
