"""Cost per image of the CNN trained here at 28×28×1, 32×32×3 and 64×64×3, and what --quick and the
default training would take at each size.

A training step (forward, backward and Adam on a batch of 128, ``train_on_batch``) and the report's
gradient function (forward and backward to the input, chunks of 1,024; on the path it takes and
point by point), each the median of repeats on random images; the training time of ``--quick``
(1 epoch × 5,400 fitted images) and of the defaults (2 epochs × 54,000) follows from the step's.

    python -m benchmarks.cnn_sizes
"""

import time

import numpy as np

from benchmarks.common import parser, report_machine

SIZES = (((28, 28, 1), 10), ((32, 32, 3), 10), ((64, 64, 3), 10))
QUICK_IMAGES, DEFAULT_IMAGES = 1 * 5_400, 2 * 54_000
"""Images a training pass sees: --quick's epoch of 5,400 fitted images, the defaults' 2 epochs of 54,000."""


def median_seconds(run, repeats: int) -> float:
    run()  # compiles
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    from generator.attributions import GradientFunction
    from generator.stages.model import build_cnn, compile_cnn, seed_everything

    parser(__doc__).parse_args()
    report_machine()
    rng = np.random.default_rng(0)
    for shape, classes in SIZES:
        seed_everything(0)
        model = build_cnn(shape, classes)
        compile_cnn(model, 5e-3)
        x, y = rng.uniform(size=(128, *shape)).astype(np.float32), rng.integers(0, classes, size=128)
        step = median_seconds(lambda: model.train_on_batch(x, y), 15) / 128
        images = rng.uniform(size=(1024, *shape)).astype(np.float32)
        targets = rng.integers(0, classes, size=1024)
        fast = GradientFunction(model, chunk_size=1024)
        general = GradientFunction(model, chunk_size=1024, path="general")
        gradient = median_seconds(lambda: fast(images, targets), 5) / 1024
        point = median_seconds(lambda: general(images, targets), 5) / 1024
        print(f"{'×'.join(map(str, shape))}, K={classes}, {model.count_params():,} parameters, path {fast.path}: "
              f"training step {step * 1e3:.3f} ms/image; gradient {gradient * 1e3:.3f} ms/image "
              f"({point * 1e3:.3f} point by point); training --quick ≈ {QUICK_IMAGES * step:.1f} s, "
              f"default ≈ {DEFAULT_IMAGES * step:.0f} s", flush=True)


if __name__ == "__main__":
    main()
