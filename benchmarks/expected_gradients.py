"""Expected Gradients: map error and completeness of draw schemes, against a converged reference.

    python -m benchmarks.expected_gradients [MODEL.keras] [--seeds S]
        [--draws 16,32,48,64,96,128] [--schemes "plain,class strata"] [--cache /tmp/eg-reference.npz]

The model is the given .keras file, else the newest model in .gradient-gallery/models (run a
default build first). Baselines are the report's: ``baseline_sample(len(x_train), 1000, seed=0)``.
Images: the first 16 correctly classified and the first 8 misclassified test images, each
attributed on its predicted class.

The reference of each image is EG's expectation with the baselines summed out exactly: every one
of the 1,000 baselines, each with K stratified α (8,000 gradient evaluations per image). Two
independent references A and B give its noise: ‖A − B‖₁ / ‖A‖₁ / 2 is about the error of their
mean, which is the reference the schemes are measured against.

Every scheme draws n ∈ {16, 32, 48, 64, 96, 128} (baseline, α) pairs per image with S (default 8)
seeds and reports, over the 24 × S (image, seed) maps:

- map error: ‖EG_n − EG_ref‖₁ / ‖EG_ref‖₁, median and max;
- completeness: |Σ EG_n − (f(x) − Σ_j w_j f(x′_j))| / |f(x) − Σ_j w_j f(x′_j)|, median.

Gradient evaluations per map are n (plus one for the control-variate rows, counted in "evals").
The last lines name, for each scheme, the fewest draws whose median and max map error are no
worse than today's scheme ("plain") at 64 draws. Every scheme is unbiased for the same
expectation (mean over the 1,000 baselines, α ~ U(0, 1)); see each function's docstring.

On cnn-b75bb0dd554bdf0d.keras (reference noise 0.64% median, 0.86% max), map error median / max:

    scheme                      32 draws        48 draws        64 draws        128 draws
    plain (today)               56.0% / 88.5%   46.6% / 76.0%   40.9% / 61.5%   29.4% / 46.1%
    class strata                54.8% / 87.1%   44.5% / 66.8%   39.7% / 66.8%   28.6% / 38.9%
    class+ink strata            54.7% / 84.0%   45.2% / 58.6%   39.2% / 58.6%   28.7% / 39.8%
    antithetic α                59.2% / 81.1%   50.1% / 73.3%   44.2% / 61.9%   31.7% / 45.8%

No scheme reaches today's 64-draw accuracy with fewer draws; the error falls like 1/√n. Split
on 6 of these images (all 1,000 baselines × 8 α each), the variance of one draw's term is about
40% baseline, nearly 90% of that within a class (what class strata cannot remove), and 60% α
along the path, of which the part shared by all paths (what today's α strata already remove) is
about a quarter. Pairing α on one path (antithetic, two per path) lowers the completeness error,
which measures the sum only (6.6% against 9.0% median at 64 draws), and raises the map error.
"""

import numpy as np

from benchmarks.common import (gradients, model_path, relative_l1, report_machine, sampling_study_parser, study_images,
                               two_references)

DRAWS = (16, 32, 48, 64, 96, 128)
IMAGES_CORRECT, IMAGES_WRONG = 16, 8
REFERENCE_ALPHAS = 8


def stratified_alpha(generator, n):
    """Today's α: one in each of n equal strata of [0, 1), shuffled among the draws."""
    return (generator.permutation(n) + generator.random(n)) / n


def plain(generator, n, ctx, target):
    """Today's scheme: baselines uniform with replacement, α stratified."""
    return generator.integers(0, ctx["B"], size=n), stratified_alpha(generator, n)


def without_replacement(generator, n, ctx, target):
    """n distinct baselines (the start of a seeded permutation); each is still uniform."""
    return generator.permutation(ctx["B"])[:n], stratified_alpha(generator, n)


def two_per_path(generator, n, ctx, target):
    """n/2 baselines from class-ordered strata, each at two α: one in each half of [0, 1), in
    the finer strata of a shuffled Latin hypercube (strata 2i and 2i + 1 go to one baseline)."""
    half = n // 2
    which, _ = ordered_strata("by_class")(generator, half, ctx, target)
    low = (generator.permutation(half) + generator.random(half)) / half / 2
    high = 0.5 + (generator.permutation(half) + generator.random(half)) / half / 2
    return np.r_[which, which], np.r_[low, high]


def ordered_strata(order):
    """Baselines listed in ``order`` cut into n equal strata; draw j is uniform in the j-th
    (index ⌊B(j + u)/n⌋ of the list), its α in a shuffled α stratum: a Latin hypercube over
    (baseline, α). Over the n draws every baseline has total probability n/B, so the mean of the
    draws' terms is unbiased; classes get ⌊n p_c⌋ or ⌈n p_c⌉ draws, n p_c on average."""
    def scheme(generator, n, ctx, target):
        listed = ctx[order][target] if order.endswith("logit") else ctx[order]
        position = np.floor((np.arange(n) + generator.random(n)) * ctx["B"] / n).astype(np.int64)
        return listed[position], stratified_alpha(generator, n)
    return scheme


def antithetic(generator, n, ctx, target):
    """n/2 baselines with replacement, each at α and 1 − α (α stratified over n/2 strata)."""
    half = n // 2
    which = generator.integers(0, ctx["B"], size=half)
    alpha = stratified_alpha(generator, half)
    return np.r_[which, which], np.r_[alpha, 1.0 - alpha]


def antithetic_class(generator, n, ctx, target):
    """As ``antithetic``, the n/2 baselines from class-ordered strata."""
    half = n // 2
    which, alpha = ordered_strata("by_class")(generator, half, ctx, target)
    return np.r_[which, which], np.r_[alpha, 1.0 - alpha]


SCHEMES = {
    "plain": (plain, False),
    "without replacement": (without_replacement, False),
    "class strata": (ordered_strata("by_class"), False),
    "class+ink strata": (ordered_strata("by_class_ink"), False),
    "ink strata": (ordered_strata("by_ink"), False),
    "logit strata": (ordered_strata("by_logit"), False),
    "class+logit strata": (ordered_strata("by_class_logit"), False),
    "two α per path + class strata": (two_per_path, False),
    "antithetic α": (antithetic, False),
    "antithetic α + class strata": (antithetic_class, False),
    "class strata + control variate": (ordered_strata("by_class"), True),
}
"""name → (draws, control variate). With the control variate, EG_n + h ⊙ (mean_j x′_j − mean_B x′),
h = ∇f_t at the middle of the path from the mean baseline to x (one more gradient, drawn from
nothing random, so the correction has expectation zero and the estimator stays unbiased)."""


def eg_terms(grad_fn, images, targets, baselines, which, alpha):
    """(N, H, W, C) mean over each image's draws of (x − x′_j) ⊙ ∇f_t(x′_j + α_j (x − x′_j))."""
    n = which.shape[1]
    x = np.repeat(images, n, axis=0)
    b = baselines[which.reshape(-1)]
    a = alpha.reshape(-1, 1, 1, 1).astype(np.float32)
    g = gradients(grad_fn, (b + a * (x - b)).astype(np.float32), np.repeat(targets, n))
    terms = (x - b).astype(np.float64) * g
    return terms.reshape(len(images), n, *images.shape[1:]).mean(axis=1)


def reference(grad_fn, images, targets, baselines, seed):
    """Every baseline with REFERENCE_ALPHAS stratified α (strata shuffled per baseline)."""
    rng = np.random.default_rng([seed, 12345])
    maps = []
    B, K = len(baselines), REFERENCE_ALPHAS
    for image, target in zip(images, targets):
        which = np.repeat(np.arange(B), K)
        alpha = (np.concatenate([rng.permutation(K) for _ in range(B)]) + rng.random(B * K)) / K
        maps.append(eg_terms(grad_fn, image[None], np.array([target]), baselines, which[None], alpha[None])[0])
    return np.stack(maps)


def main() -> None:
    from generator.attributions import GradientFunction
    from generator.attributions.seeding import image_generator
    from generator.stages.attribute import baseline_sample
    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras

    options = sampling_study_parser(__doc__, "--draws", DRAWS).parse_args()
    seeds, draw_counts, only = options.seeds, options.counts, options.schemes
    path = model_path(options.model)
    report_machine()
    grad_fn = GradientFunction(load_keras(path), chunk_size=2048)
    data = load_dataset()
    sample = baseline_sample(len(data.x_train), 1000, seed=0)
    baselines = to_model_input(data.x_train[sample])
    labels = np.asarray(data.y_train)[sample]
    images, targets, right, wrong = study_images(grad_fn, to_model_input(data.x_test), data.y_test, IMAGES_CORRECT,
                                                 IMAGES_WRONG)
    print(f"model {path.name}; {len(images)} images ({right} correct, {wrong} misclassified), "
          f"{len(baselines)} baselines, {seeds} seeds per scheme")

    ink = baselines.reshape(len(baselines), -1).sum(axis=1)
    ctx = {"B": len(baselines), "by_class": np.lexsort((np.arange(len(labels)), labels)),
           "by_class_ink": np.lexsort((ink, labels)), "by_ink": np.argsort(ink, kind="stable")}
    baseline_logits = grad_fn.logits(baselines).astype(np.float64)
    ctx["by_logit"] = {t: np.argsort(baseline_logits[:, t], kind="stable") for t in range(baseline_logits.shape[1])}
    ctx["by_class_logit"] = {t: np.lexsort((baseline_logits[:, t], labels)) for t in range(baseline_logits.shape[1])}
    _, at_input = grad_fn(images, targets)
    mean_baseline = baselines.mean(axis=0)

    ref_a, ref_b = two_references(options.cache, lambda seed: reference(grad_fn, images, targets, baselines, seed))
    ref = (ref_a + ref_b) / 2
    noise = relative_l1(ref_a, ref_b) / 2
    print(f"reference: {len(baselines) * REFERENCE_ALPHAS} evaluations per image, twice; error of their mean "
          f"≈ ‖A − B‖₁/‖A‖₁/2: median {np.median(noise):.2%}, max {noise.max():.2%}")
    ref_sum = ref.reshape(len(ref), -1).sum(axis=1)
    exact = at_input - baseline_logits[np.arange(1000)][:, targets].mean(axis=0)
    print(f"reference completeness vs f(x) − mean over all baselines: median "
          f"{np.median(np.abs(ref_sum - exact) / np.abs(exact)):.3%}")

    midpoint = ((mean_baseline + images) / 2).astype(np.float32)
    h, _ = grad_fn(midpoint, targets)

    results = {}
    print(f"\n{'scheme':32s} {'n':>4s} {'evals':>5s} {'map median':>10s} {'map max':>8s} {'complete':>8s}")
    schemes = {name: SCHEMES[name] for name in (only or SCHEMES)}
    for name, (scheme, control) in schemes.items():
        for n in draw_counts:
            errors, complete = [], []
            for seed in range(seeds):
                drawn = [scheme(image_generator(image, seed, salt="expected_gradients"), n, ctx, target)
                         for image, target in zip(images, targets)]
                which = np.stack([d[0] for d in drawn])
                alpha = np.stack([d[1] for d in drawn])
                maps = eg_terms(grad_fn, images, targets, baselines, which, alpha)
                if control:
                    maps = maps + h * (baselines[which].mean(axis=1) - mean_baseline)
                errors.append(relative_l1(maps, ref))
                drawn_scores = baseline_logits[which, targets[:, None]].mean(axis=1)
                delta = at_input - drawn_scores
                complete.append(np.abs(maps.reshape(len(maps), -1).sum(axis=1) - delta) / np.abs(delta))
            errors, complete = np.concatenate(errors), np.concatenate(complete)
            results[name, n] = (np.median(errors), errors.max())
            print(f"{name:32s} {n:4d} {n + control:5d} {np.median(errors):10.2%} {errors.max():8.2%} "
                  f"{np.median(complete):8.2%}", flush=True)

    today = results["plain", 64]
    print(f"\ntoday (plain, 64 draws): map error median {today[0]:.2%}, max {today[1]:.2%}")
    for name, (_, control) in schemes.items():
        enough = [n for n in draw_counts if results[name, n][0] <= today[0] and results[name, n][1] <= today[1]]
        print(f"{name:32s} fewest draws as accurate: {enough[0] + control if enough else '> 128'}")


if __name__ == "__main__":
    main()
