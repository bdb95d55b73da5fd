"""Integrated Gradients side by side with Xplique, at equal accuracy, in one run.

Xplique and PAIR's saliency are not dependencies: install them into a scratch folder and name
that folder on PYTHONPATH, e.g.

    python -m pip install --no-deps --target /tmp/xq xplique==2.0.2 saliency==0.2.1 deprecated \
        einops "scikit-image<=0.25.2" "scikit-learn<=1.7.2" "scipy<=1.15.3" opencv-python-headless \
        tensorflow-probability==0.25.0 tf-keras==2.20.1 dm-tree cloudpickle decorator wrapt \
        lazy_loader imageio tifffile networkx joblib threadpoolctl
    PYTHONPATH=/tmp/xq python -m benchmarks.peers [MODEL.keras]

The model is the given .keras file, else the newest model in .gradient-gallery/models (run a
default build first). On the first 256 test images and each one's predicted class, it times
(best of 3) Xplique's ``IntegratedGradients`` at 50 steps with batch sizes 64 (its default is
32) and 512; PAIR's ``saliency.core.IntegratedGradients`` at 50 steps, one image per call as its
API works, all 50 steps in one batch, with a compiled tape gradient of the logits (the way its
documentation's TensorFlow examples call a model, compiled); and this engine with fixed nodes
and adaptively. Every map is measured twice:

- completeness: |Σ map − (logit(x) − logit(black))| / |logit(x) − logit(black)|;
- map error: ‖map − reference‖₁ / ‖reference‖₁, the reference being the same image's IG with
  1,025 trapezoid nodes (its own error is about 0.05%).

Completeness alone can be met by maps that are far from the integral (the pixels' errors cancel
in the sum), which the row "refining where the logit bends" shows: it places nodes to make the
sum right and gets it right with few evaluations, while its maps are several times further
from the reference. The last lines name, for each Xplique row, this engine's fastest setting
that is no worse in median and max completeness, and the fastest that is also no worse in
median and max map error.
"""

import sys

from benchmarks.common import best_of, model_path, parser, report_machine


def logit_guided(grad_fn, images, targets, tolerance, start=4):
    """IG whose trapezoid intervals are halved where the logit bends, until the sum is right.

    Not used by the report: it is here to show what completeness alone rewards. On an interval
    [a, b] the gradient calls give the logit f and its slope d = g · (x − x′) at both ends, so
    the interval's share of the completeness error, (b − a)(d(a) + d(b))/2 − (f(b) − f(a)), is
    known exactly. Each round halves, map by map, the intervals holding the larger half of the
    error, until |Σ error| ≤ tolerance · |f(1) − f(0)|.
    """
    import numpy as np

    n = len(images)
    flat = images.reshape(n, -1).astype(np.float64)
    nodes = [{} for _ in range(n)]  # α → (gradient, f, d) per map

    def evaluate(rows):
        for first in range(0, len(rows), 512):
            part = rows[first:first + 512]
            which = np.array([i for i, _ in part])
            alpha = np.array([a for _, a in part], np.float32).reshape(-1, 1, 1, 1)
            grads, scores = grad_fn((alpha * images[which]).astype(np.float32), targets[which])
            slopes = (grads.reshape(len(part), -1) * flat[which]).sum(axis=1)
            for (i, a), g, f, d in zip(part, grads, scores, slopes):
                nodes[i][a] = (g, float(f), float(d))

    rows = [(i, k / start) for i in range(n) for k in range(start + 1)]
    while rows:
        evaluate(rows)
        rows = []
        for i in range(n):
            alpha = np.array(sorted(nodes[i]))
            f = np.array([nodes[i][a][1] for a in alpha])
            d = np.array([nodes[i][a][2] for a in alpha])
            error = np.diff(alpha) * (d[:-1] + d[1:]) / 2 - np.diff(f)
            if abs(error.sum()) <= tolerance * max(abs(f[-1] - f[0]), 1e-6) or len(alpha) > 4096:
                continue
            order = np.argsort(-np.abs(error))
            mass = np.cumsum(np.abs(error[order]))
            rows += [(i, (alpha[j] + alpha[j + 1]) / 2) for j in order[:np.searchsorted(mass, mass[-1] / 2) + 1]]
    maps = np.empty_like(images)
    for i in range(n):
        alpha = np.array(sorted(nodes[i]))
        weight = np.zeros(len(alpha))
        weight[:-1] += np.diff(alpha) / 2
        weight[1:] += np.diff(alpha) / 2
        total = sum(w * nodes[i][a][0].astype(np.float64) for w, a in zip(weight, alpha))
        maps[i] = images[i] * total
    return maps, np.array([len(m) for m in nodes], dtype=float)


def pair_saliency(model, images, targets, repeats):
    """(best seconds, maps) of PAIR saliency's IG on every image, 50 steps in one batch per image."""
    import numpy as np
    import tensorflow as tf
    from saliency.core import INPUT_OUTPUT_GRADIENTS
    from saliency.core import IntegratedGradients as PairIntegratedGradients

    from generator.attributions import logits_model

    logits = logits_model(model)

    @tf.function(reduce_retracing=True)
    def gradient(batch, target):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            score = tf.gather(logits(batch, training=False), target, axis=1)
        return tape.gradient(score, batch)

    def call_model(batch, call_model_args=None, expected_keys=None):
        grads = gradient(tf.constant(batch, tf.float32), tf.constant(call_model_args["target"]))
        return {INPUT_OUTPUT_GRADIENTS: grads.numpy()}

    explainer = PairIntegratedGradients()

    def run():
        return np.stack([explainer.GetMask(image, call_model, {"target": int(t)}, x_steps=50, batch_size=50)
                         for image, t in zip(images, targets)])

    run()  # trace
    return best_of(repeats, run)


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("model", nargs="?", help="a .keras model (default: the newest in the cache)")
    path = model_path(arguments.parse_args().model)
    import numpy as np
    try:
        from xplique.attributions import IntegratedGradients
    except ImportError:
        sys.exit("Xplique is not importable: install it in a scratch folder and put that folder on PYTHONPATH "
                 "(python -m benchmarks.peers --help)")
    report_machine()

    from generator.attributions import GradientFunction, completeness, integrated_gradients
    from generator.attributions.adaptive import adaptive_integrated_gradients
    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras

    model = load_keras(path)
    images = to_model_input(load_dataset().x_test[:256])
    grad_fn = GradientFunction(model)
    targets = grad_fn.logits(images).argmax(axis=1)
    _, at_input = grad_fn(images, targets)
    _, at_black = grad_fn(np.zeros_like(images), targets)
    reference = integrated_gradients(grad_fn, images, targets, steps=1025, method="trapezoid")
    reference = reference.reshape(len(images), -1).astype(np.float64)

    def errors(maps):
        maps = np.asarray(maps, np.float32).reshape(images.shape)
        e = completeness(maps, at_input, at_black).relative_error
        far = np.abs(maps.reshape(len(images), -1) - reference).sum(axis=1) / np.abs(reference).sum(axis=1)
        return float(np.median(e)), float(np.max(e)), float(np.median(far)), float(np.max(far))

    rows = []
    one_hot = np.eye(10, dtype=np.float32)[targets]
    for batch in (64, 512):
        explainer = IntegratedGradients(model, batch_size=batch, steps=50, baseline_value=0.0)
        explainer.explain(images[:batch], one_hot[:batch])  # trace
        seconds, maps = best_of(3, lambda e=explainer: np.asarray(e.explain(images, one_hot)))
        rows.append((f"Xplique IntegratedGradients, 50 steps (trapezoid), batch {batch}", seconds, *errors(maps), 50.0))
    seconds, maps = pair_saliency(model, images, targets, repeats=3)
    rows.append(("PAIR saliency IntegratedGradients, 50 steps, one image per call", seconds, *errors(maps), 50.0))
    ours = []
    for method, counts in (("gauss_legendre", (16, 32, 48, 64, 128)), ("trapezoid", (17, 33, 50, 65, 129, 257))):
        for steps in counts:
            seconds, maps = best_of(3, lambda s=steps, m=method: integrated_gradients(grad_fn, images, targets,
                                                                                     steps=s, method=m))
            ours.append((f"this engine, {steps} {method.replace('_', '-')} nodes", seconds, *errors(maps),
                         float(steps)))
    for tolerance, map_tolerance in ((0.005, np.inf), (0.003, np.inf), (0.005, 0.03), (0.005, 0.02),
                                     (0.005, 0.015), (0.003, 0.015)):
        seconds, found = best_of(3, lambda t=tolerance, m=map_tolerance: adaptive_integrated_gradients(
            grad_fn, images, targets, tolerance=t, map_tolerance=m))
        check = "completeness alone" if map_tolerance == np.inf else f"change ≤ {map_tolerance:.1%}"
        ours.append((f"this engine, adaptive: completeness ≤ {tolerance:.1%}, {check}", seconds, *errors(found.maps),
                     float(found.evaluations.mean())))
    for tolerance in (0.003, 0.002):
        seconds, (maps, evaluations) = best_of(3, lambda t=tolerance: logit_guided(grad_fn, images, targets, t))
        ours.append((f"refining where the logit bends, completeness ≤ {tolerance:.1%} (not used)", seconds,
                     *errors(maps), float(evaluations.mean())))
    print(f"model {path.name}, {len(images)} test images, predicted class, black baseline; best of 3\n")
    print("| method | ms/image | completeness median | max | map error median | max | evaluations per map |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name, seconds, median, worst, far, farthest, evaluations in rows + ours:
        print(f"| {name} | {1e3 * seconds / len(images):.2f} | {median:.3%} | {worst:.3%} | {far:.2%} | "
              f"{farthest:.2%} | {evaluations:.1f} |")
    print()
    def no_worse(ours_value, theirs):  # within 1% of the value counts as equal (float32 sums differ in order)
        return ours_value <= theirs * 1.01

    for name, seconds, median, worst, far, farthest, _ in rows:
        equal_sum = [o for o in ours if no_worse(o[2], median) and no_worse(o[3], worst)]
        for label, fair in (
                ("completeness", equal_sum),
                ("completeness and map error",
                 [o for o in equal_sum if no_worse(o[4], far) and no_worse(o[5], farthest)])):
            if fair:
                best = min(fair, key=lambda o: o[1])
                print(f"{name}: fastest at equal or better {label} is '{best[0]}', {seconds / best[1]:.2f}× as fast")
            else:
                print(f"{name}: none of this engine's settings matches its {label}")


if __name__ == "__main__":
    main()
