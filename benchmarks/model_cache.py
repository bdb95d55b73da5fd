"""What the public functions pay when given a Keras model instead of a prebuilt gradient function.

    python -m benchmarks.model_cache [MODEL.keras] [--images 256] [--steps 50] [--rounds 15]

``integrated_gradients(model, images, targets, steps=50)`` called batch after batch keeps the
model's compiled function (``generator.attributions.engine.shared``), so each call should cost
what the same call on a prebuilt ``GradientFunction`` costs. The two are run in turn (so load
hits both alike) on the first test images of MODEL (default: the newest cached model); it prints
the best wall time per image of each and the median CPU time per image over all threads.
"""

import time

import numpy as np

from benchmarks.common import model_path, parser, report_machine


def interleaved(runs, rounds: int, images: int) -> tuple[list[float], list[float]]:
    """Per run: the best wall time and the median CPU time, in ms per image, the runs taken in turn."""
    for run in runs:
        run()  # trace and compile once before timing
    wall, cpu = [[] for _ in runs], [[] for _ in runs]
    for _ in range(rounds):
        for run, kept, used in zip(runs, wall, cpu):
            start, start_cpu = time.perf_counter(), time.process_time()
            run()
            kept.append(time.perf_counter() - start)
            used.append(time.process_time() - start_cpu)
    return ([1e3 * min(kept) / images for kept in wall], [1e3 * float(np.median(used)) / images for used in cpu])


def main() -> None:
    options = parser(__doc__)
    options.add_argument("model", nargs="?")
    options.add_argument("--images", type=int, default=256)
    options.add_argument("--steps", type=int, default=50)
    options.add_argument("--rounds", type=int, default=15)
    args = options.parse_args()
    report_machine()
    from generator import attributions as attr
    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras

    model, data = load_keras(str(model_path(args.model))), load_dataset()
    x = to_model_input(data.x_test[:args.images])
    t = data.y_test[:args.images].astype(np.int64)
    prebuilt = attr.GradientFunction(model)
    (given, built), (given_cpu, built_cpu) = interleaved(
        [lambda: attr.integrated_gradients(model, x, t, steps=args.steps),
         lambda: attr.integrated_gradients(prebuilt, x, t, steps=args.steps)], args.rounds, len(x))
    print(f"integrated_gradients(model, …): {given:.3f} ms per image (CPU {given_cpu:.3f})")
    print(f"integrated_gradients(prebuilt GradientFunction, …): {built:.3f} ms per image (CPU {built_cpu:.3f})")


if __name__ == "__main__":
    main()
