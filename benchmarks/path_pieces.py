"""How many linear pieces the report CNN's path gradient has along an IG path from black.

    python -m benchmarks.path_pieces MODEL.keras [IMAGES]   # IMAGES: the first N test images (default 8)

For a ReLU network with max pooling, the gradient along x′ + α(x − x′) is constant while every
ReLU keeps its sign and every pooling window keeps its choice, and it jumps where one of them
changes. The script samples 4,097 evenly spaced α in (0, 1] (α = 0 is left out: there every
window ties), records both ReLU layers' signs and both poolings' choices at each, and prints per
image the number of pieces seen (a lower bound: two changes between neighbouring samples count
once) and the number of unit changes. Expects the report's layer order: Conv2D(ReLU), MaxPool,
Conv2D(ReLU), MaxPool, then dense layers.
"""

from benchmarks.common import parser, report_machine


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("model", help="the report's .keras model")
    arguments.add_argument("images", nargs="?", type=int, default=8, help="the first N test images (default %(default)s)")
    options = arguments.parse_args()
    report_machine()
    import numpy as np
    import tensorflow as tf

    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras

    model = load_keras(options.model)
    count = options.images
    first, _, second, _ = model.layers[:4]
    alphas = np.linspace(0, 1, 4097, dtype=np.float32)[1:]
    pieces = []
    for image in to_model_input(load_dataset().x_test[:count]):
        z1 = first.convolution_op(alphas[:, None, None, None] * image[None], first.kernel) + first.bias
        p1, choice1 = tf.nn.max_pool_with_argmax(z1, 2, 2, "VALID")
        z2 = second.convolution_op(tf.nn.relu(p1), second.kernel) + second.bias
        p2, choice2 = tf.nn.max_pool_with_argmax(z2, 2, 2, "VALID")
        state = np.concatenate([np.reshape(t.numpy(), (len(alphas), -1)) for t in (choice1, p1 > 0, choice2, p2 > 0)],
                               axis=1, dtype=np.int64)
        changed = state[1:] != state[:-1]
        pieces.append(int(changed.any(axis=1).sum()) + 1)
        print(f"pieces ≥ {pieces[-1]:,}, unit changes {int(changed.sum()):,}")
    print(f"median over {count} images: ≥ {int(np.median(pieces)):,} pieces per path")


if __name__ == "__main__":
    main()
