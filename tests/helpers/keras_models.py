"""Keras models rebuilt in another form, to reach TensorFlow's own gradient."""


def functional_copy(model):
    """The same layers as a functional Keras model, so ``GradientFunction`` takes TensorFlow's
    own gradient instead of a ``keras.Sequential``'s fast path."""
    import keras

    inputs = keras.Input(model.inputs[0].shape[1:])
    hidden = inputs
    for layer in model.layers:
        hidden = layer(hidden)
    return keras.Model(inputs, hidden)
