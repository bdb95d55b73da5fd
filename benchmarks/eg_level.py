"""Expected Gradients against the level the site states: each estimator's completeness error,
split-half noise and cost over the maps a default build publishes, in one run.

    python -m benchmarks.eg_level MODEL.keras [--seeds 4] [--reference-seeds 8]
                       [--cache /tmp/eg-reference.npz] [--before REVISION]

MODEL is the report's model: ``site/data/model.keras`` of a default build (the newest
``cnn-*.keras`` in .gradient-gallery/models may be the decoy's). The rows are the default build's
(``attribution_requests`` with default settings: one row per correct image, two per mistake) and
their contrast maps (predicted row minus true row), the baselines the report's 1,000.

For every estimator and each of S seeds (seed 0 is the published draws), over the published maps:

- completeness: |Σ EG − Δ| / |Δ|, Δ = f(x) − mean of the drawn baselines' f (median over all maps,
  per-target rows, contrast maps; 90th percentile), and |Σ EG − Δ| in logits and relative to Σ|EG|;
- sums of the wrong sign, and the split-half noise (``Halves.noise``: median, max, maps above
  ``EG_NOISE_BOUND``);
- milliseconds per map on this machine (the per-target rows, the fastest of the seeds; a contrast
  map costs nothing).

Then the map error against a converged EG (``benchmarks.expected_gradients``' reference: every
baseline at 8 stratified α, twice; its 24 test images, each on its predicted class) for the
plain mean and the control variate, with R seeds. With ``--before REVISION`` (e.g. e4cecd1, the
code before issue 23), last the cost of the attributions stage's EG maps with that revision's
``expected_gradients.py`` (read with ``git show``, nothing checked out) against this checkout's, and
of the whole stage now, in one process, best of 3 alternating rounds. The estimators:

- mean, 64 draws, before: the estimator before issue 23 (α stratified over all 64 draws);
- mean, n draws: the plain Monte Carlo mean, α stratified within each half of the draws;
- control variate, n draws: the engine's default (``expected_gradients``' module docstring);
- two α per baseline / α and 1 − α, 64 draws: 32 baselines, each at two α (in the two halves of
  [0, 1) / mirrored), the halves of draws split by baseline.
"""

import importlib
import importlib.machinery
import time
from pathlib import Path

import numpy as np

from benchmarks import expected_gradients as bench
from benchmarks.common import ROOT, parser, relative_l1, report_machine, study_images, two_references


def before(generator, population, samples):
    """The draws before issue 23: α stratified over all n draws (the halves share the strata)."""
    return generator.integers(0, population, size=samples), (generator.permutation(samples)
                                                             + generator.random(samples)) / samples


def paired_draws(kind):
    """32 baselines at two α each, arranged so that the first half of the draws holds the first 16
    baselines (both of their α): the halves stay independent."""
    def scheme(generator, population, samples):
        m = samples // 2
        which = generator.integers(0, population, size=m)
        low = (generator.permutation(m) + generator.random(m)) / m
        if kind == "mirrored":
            high = 1.0 - low
        else:
            low, high = low / 2, 0.5 + (generator.permutation(m) + generator.random(m)) / m / 2
        return np.repeat(which, 2), np.stack([low, high], axis=1).reshape(-1)
    return scheme


def main() -> None:
    from generator import attributions as attr
    from generator.attributions import GradientFunction
    from generator.attributions.halves import Halves, first_half
    from generator.attributions.seeding import image_generator
    from generator.plumbing.settings import Settings
    from generator.stages.attribute import baseline_sample, class_logits
    from generator.stages.checked_maps import EG_NOISE_BOUND, eg_error
    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras
    from generator.stages.model import evaluate
    from generator.stages.selection import attribution_requests, select_examples

    eg = importlib.import_module("generator.attributions.expected_gradients")  # the module, not the function
    arguments = parser(__doc__)
    arguments.add_argument("model", help="the report's model, site/data/model.keras of a default build")
    arguments.add_argument("--seeds", type=int, default=4, help="seeds per estimator (default %(default)s)")
    arguments.add_argument("--reference-seeds", type=int, default=8,
                           help="seeds against the converged EG (default %(default)s)")
    arguments.add_argument("--cache", default="/tmp/eg-reference.npz", help="the converged EG's cache (default %(default)s)")
    arguments.add_argument("--before", help="a revision whose estimator's cost is measured last")
    options = arguments.parse_args()
    seeds, reference_seeds, cache, revision = options.seeds, options.reference_seeds, options.cache, options.before
    report_machine()
    model, dataset, settings = load_keras(Path(options.model)), load_dataset(), Settings()
    evaluation = evaluate(model, dataset)
    selection = select_examples(dataset.y_test, evaluation.predictions, evaluation.confidences, evaluation.margins,
                                settings.selection.per_class, settings.selection.max_misclassified)
    index, target, contrast_rows = attribution_requests(selection, dataset.y_test, evaluation.predictions)
    grad_fn = GradientFunction(model, chunk_size=settings.attribution.chunk_size)
    images = to_model_input(dataset.x_test[index])
    baselines = to_model_input(dataset.x_train[baseline_sample(len(dataset.x_train), 1000, settings.seed)])
    logits = class_logits(grad_fn, baselines)
    _, at_input = grad_fn(images, target)
    plus, minus = contrast_rows[:, 0], contrast_rows[:, 1]
    print(f"model {Path(options.model).name}; {len(images)} rows and {len(plus)} contrast maps; {len(baselines)} "
          f"baselines; {seeds} seeds; noise bound {EG_NOISE_BOUND:.0%}")
    eg.expected_gradients(grad_fn, images[:8], target[:8], baselines=baselines, samples=8)  # trace first

    def engine(n, control):
        def run(seed):
            halves = eg.expected_gradients_halves(grad_fn, images, target, baselines=baselines, samples=n, seed=seed,
                                                  chunk_size=settings.attribution.chunk_size, control_variate=control,
                                                  baseline_logits=logits)
            which = np.stack([eg.draws(image, len(baselines), n, seed)[0] for image in images])
            return halves, which
        return run

    def custom(scheme, n):
        def run(seed):
            drawn = [scheme(image_generator(image, seed, salt="expected_gradients"), len(baselines), n)
                     for image in images]
            which, alpha = np.stack([d[0] for d in drawn]), np.stack([d[1] for d in drawn])
            h = first_half(n)
            parts = [eg.draw_sums(grad_fn, images, target, baselines, which[:, p], alpha[:, p],
                                  np.zeros((len(images), p.stop - p.start)), settings.attribution.chunk_size)
                     for p in (slice(0, h), slice(h, n))]
            return Halves(parts[0].mean(), parts[1].mean(), h, n), which
        return run

    candidates = {("mean, 64 draws, before", 64): custom(before, 64),
                  **{(f"mean, {n} draws", n): engine(n, False) for n in (64, 96, 128)},
                  **{(f"control variate, {n} draws", n): engine(n, True) for n in (32, 48, 64)},
                  ("two α per baseline, 64", 64): custom(paired_draws("halves"), 64),
                  ("α and 1 − α, 64", 64): custom(paired_draws("mirrored"), 64)}
    head = (f"{'estimator':28s} {'complete':>8s} {'rows':>6s} {'contr.':>6s} {'p90':>6s} {'logits':>6s} "
            f"{'of Σ|EG|':>8s} {'wrong':>5s} {'noise':>6s} {'max':>6s} {'>bound':>6s} {'ms/map':>6s}")
    print("\nover the published maps (medians over maps, then the mean over seeds; counts: mean per seed)")
    print(head)
    for (name, n), run in candidates.items():
        stats = []
        for seed in range(seeds):
            start = time.perf_counter()
            halves, which = run(seed)
            seconds = time.perf_counter() - start
            every = Halves(np.concatenate([halves.first, halves.first[plus] - halves.first[minus]]),
                           np.concatenate([halves.second, halves.second[plus] - halves.second[minus]]), halves.h, n)
            maps = every.maps
            drawn = eg.drawn_scores(logits, target, which).mean(axis=1)
            delta = np.concatenate([at_input - drawn, (at_input - drawn)[plus] - (at_input - drawn)[minus]])
            check = attr.completeness(maps, delta, np.zeros_like(delta))
            errors = [eg_error(s, d, noise, float(np.abs(m).sum()))
                      for s, d, noise, m in zip(check.attribution_sum, check.logit_delta, every.noise(), maps)]
            rel = check.relative_error
            stats.append((np.median(rel), np.median(rel[:len(images)]), np.median(rel[len(images):]),
                          np.percentile(rel, 90), np.median([e.absolute for e in errors]),
                          np.median([e.of_mass for e in errors]), sum(e.wrong_sign for e in errors),
                          np.median(every.noise()), np.max(every.noise()), sum(e.noisy for e in errors),
                          1000 * seconds / len(images)))
        s = np.mean(stats, axis=0)
        s[10] = min(x[10] for x in stats)
        spread = np.std([x[0] for x in stats])
        print(f"{name:28s} {s[0]:8.2%} {s[1]:6.2%} {s[2]:6.2%} {s[3]:6.2%} {s[4]:6.3f} {s[5]:8.2%} {s[6]:5.1f} "
              f"{s[7]:6.1%} {s[8]:6.1%} {s[9]:6.1f} {s[10]:6.2f}   (completeness ±{spread:.2%} over seeds)",
              flush=True)

    x, t, _, _ = study_images(grad_fn, to_model_input(dataset.x_test), dataset.y_test, bench.IMAGES_CORRECT,
                              bench.IMAGES_WRONG)
    a, b = two_references(cache, lambda seed: bench.reference(grad_fn, x, t, baselines, seed))
    reference = (a + b) / 2
    print(f"\nagainst a converged EG ({len(x)} images, {reference_seeds} seeds; its own error ≈ "
          f"{np.median(relative_l1(a, b) / 2):.2%}): map error ‖EG − EG_ref‖₁/‖EG_ref‖₁")
    for n in (64, 128):
        errors = {}
        for control in (False, True):
            found, noise = [], []
            for seed in range(reference_seeds):
                halves = eg.expected_gradients_halves(grad_fn, x, t, baselines=baselines, samples=n, seed=seed,
                                                      control_variate=control, baseline_logits=logits)
                found.append(relative_l1(halves.maps, reference))
                noise.append(halves.noise())
            errors[control] = np.concatenate(found)
            print(f"{'control variate' if control else 'mean':16s} {n:4d} draws: median {np.median(errors[control]):.2%}, "
                  f"max {errors[control].max():.2%}; split-half noise median {np.median(np.concatenate(noise)):.2%}")
        difference = errors[True] - errors[False]
        print(f"{'':16s} {n:4d} draws: control variate − mean, per map: median {np.median(difference):+.2%}, "
              f"mean {difference.mean():+.2%} ± {difference.std() / np.sqrt(len(difference)):.2%}")

    if revision:
        stage_cost(revision, grad_fn, images, index, target, contrast_rows, baselines, settings)


def stage_cost(revision, grad_fn, images, index, target, contrast_rows, baselines, settings) -> None:
    """Seconds of the stage's EG maps (per-target rows) with ``revision``'s estimator and with this
    checkout's, and of the whole attributions stage now; best of 3 alternating rounds."""
    import subprocess
    import tempfile
    import time as clock

    from generator.stages.attribute import compute_attributions

    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:generator/attributions/expected_gradients.py"],
                            check=True, capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "eg_before.py"
        path.write_text(source.replace("from .", "from generator.attributions."))
        old = importlib.machinery.SourceFileLoader("eg_before", str(path)).load_module()
    now = importlib.import_module("generator.attributions.expected_gradients")
    a = settings.attribution
    runs = {"EG before": lambda: old.expected_gradients_halves(grad_fn, images, target, baselines=baselines,
                                                                samples=a.expected_gradients_samples, seed=0,
                                                                chunk_size=a.chunk_size),
            "EG now": lambda: now.expected_gradients_halves(grad_fn, images, target, baselines=baselines,
                                                            samples=a.expected_gradients_samples, seed=0,
                                                            chunk_size=a.chunk_size),
            "stage now": lambda: compute_attributions(grad_fn, images, index, target, contrast_rows, a, settings.seed,
                                                      baselines, lambda line: None)}
    best = {name: np.inf for name in runs}
    for _ in range(3):
        for name, run in runs.items():
            start = clock.perf_counter()
            run()
            best[name] = min(best[name], clock.perf_counter() - start)
    rows = len(images)
    print(f"\ncost ({rows} rows, {a.expected_gradients_samples} draws, best of 3 alternating rounds): EG before "
          f"{best['EG before']:.2f} s ({1000 * best['EG before'] / rows:.2f} ms per map), now {best['EG now']:.2f} s "
          f"({1000 * best['EG now'] / rows:.2f} ms per map); attributions stage now {best['stage now']:.2f} s, "
          f"with the EG before ≈ {best['stage now'] - best['EG now'] + best['EG before']:.2f} s")


if __name__ == "__main__":
    main()
