"""SmoothGrad: map error of noise schemes against a converged reference, and the split-half noise.

    python -m benchmarks.smoothgrad [MODEL.keras] [--seeds S] [--samples 8,16,24,32,64]
        [--schemes "plain,antithetic"] [--cache /tmp/sg-reference.npz]

The model is the given .keras file, else the newest model in .gradient-gallery/models (run a
default build first). Images: the first 16 correctly classified and the first 8 misclassified
test images, each attributed on its predicted class; σ = 0.15 of the input range [0, 1].

The reference of each image is SmoothGrad with 4,096 plain samples. Two independent references
A and B give its noise: ‖A − B‖₁ / ‖A‖₁ / 2 is about the error of their mean, which is the
reference the schemes are measured against.

Every scheme draws n ∈ {8, 16, 24, 32, 64} noise vectors per image (one gradient evaluation
each) with S (default 8) seeds and reports, over the 24 × S (image, seed) maps:

- map error: ‖SG_n − SG_ref‖₁ / ‖SG_ref‖₁, median and max;
- noise / true: the map's split-half noise estimate √(h (n − h)) / n · ‖A − B‖₁ / ‖SG_n‖₁ (A, B
  the means of its two halves of independent units: samples, or ± pairs for the antithetic
  schemes) over its true distance ‖SG_n − SG_ref‖₁ / ‖SG_n‖₁, median and 5–95%.

Every scheme draws its two halves independently (so the split-half estimate applies) and every
noise vector is N(0, σ² I) marginally, so each is unbiased for the same expectation; see each
function's docstring. The last lines name, for each scheme, the fewest samples whose median and
max map error are no worse than the scheme before this study ("plain", independent Gaussian
noise) at 32 samples.

On cnn-b75bb0dd554bdf0d.keras (reference noise 2.54% median, 3.07% max), map error median / max
over 24 images × 8 seeds:

    scheme                  8 samples      16             24             32             64
    plain (before)          78.0 / 113.1%  57.1 / 80.8%   47.7 / 67.4%   42.5 / 56.2%   29.1 / 39.1%
    latin hypercube (now)   70.0 / 101.6%  48.5 / 65.6%   38.5 / 55.3%   33.3 / 44.4%   24.1 / 30.7%
    antithetic              71.0 /  98.2%  50.9 / 69.7%   42.1 / 54.5%   36.6 / 47.7%   26.5 / 32.6%
    mirrored latin          69.0 /  97.9%  49.0 / 70.3%   40.2 / 53.2%   35.2 / 47.8%   24.8 / 31.7%
    antithetic latin        75.2 / 103.2%  52.4 / 76.0%   42.9 / 54.7%   37.2 / 49.2%   25.4 / 36.1%
    orthogonal              80.5 / 125.1%  57.6 / 79.9%   48.1 / 67.0%   41.4 / 57.5%   29.3 / 38.9%
    antithetic orthogonal   71.1 / 107.6%  51.3 / 73.6%   42.5 / 61.9%   36.6 / 46.6%   25.9 / 36.4%
    latin one design        67.6 /  99.4%  47.2 / 62.3%   38.1 / 50.6%   33.0 / 42.6%   23.5 / 30.3%

Fewest samples as accurate as plain at 32: latin hypercube, antithetic and mirrored latin 24;
antithetic latin and antithetic orthogonal 32; orthogonal 64. With 24 seeds (576 maps): plain
at 32 is 41.9% / 59.4%, latin hypercube at 24 39.1% / 55.3% and at 20 43.0% / 62.8% (not enough),
so the default is now the Latin hypercube at 24 samples: 8 fewer evaluations per map, a quarter
of SmoothGrad's cost. The Latin hypercube is the best scheme at every n in the median:
stratifying each pixel removes the part of the gradient's variance that adds up pixel by pixel,
about 40% of it here ((33.3 / 42.5)² = 0.61 at 32); antithetic pairs cancel only the part odd
in ε, about a quarter, and the two do not add up. Drawn as one design instead of two halves it
is a little closer (33.0% against 33.3% at 32), but its halves are then dependent and the
split-half estimate overstates the noise about 1.25-fold.

The split-half noise estimate is calibrated for every scheme drawn in two independent halves:
noise / true 0.97–1.01x in the median, 5–95% within 0.79–1.26x, at every n; for the Latin
hypercube at 24 samples 1.00x, 0.84–1.17x (24 seeds). Scrambled Sobol points are not measured
(no SciPy here): their one-dimensional projections are the Latin hypercube's strata, and with
at most 64 points in 784 dimensions their finer structure reaches only the first coordinates.
"""

import numpy as np

from benchmarks.common import (gradients, model_path, relative_l1, report_machine, sampling_study_parser, study_images,
                               two_references)
from generator.attributions.smoothgrad import normal_quantile

SAMPLES = (8, 16, 24, 32, 64)
IMAGES_CORRECT, IMAGES_WRONG = 16, 8
REFERENCE_SAMPLES = 4096
SIGMA = 0.15


def plain(generator, n, d):
    """The scheme before this study: n independent N(0, I) vectors. Units: the samples."""
    return generator.standard_normal((n, d))


def antithetic(generator, n, d):
    """n/2 independent N(0, I) vectors z, each used as z and −z. Units: the pairs. −z ~ N(0, I),
    so each sample is still unbiased; the odd part of the gradient in ε cancels within a pair."""
    z = generator.standard_normal((n // 2, d))
    return np.stack([z, -z], axis=1).reshape(n, d)


def latin(generator, n, d):
    """Latin hypercube through Φ⁻¹: coordinate i of sample j is Φ⁻¹((π_i(j) + u_ij) / n) with an
    independent permutation π_i per coordinate. Each sample is uniform on the cube (so exactly
    N(0, I) after Φ⁻¹); each coordinate's n values cover its n strata once. With its halves drawn
    independently this is the default now: ``generator.attributions.smoothgrad.image_noise``
    draws the same noise from the same generator."""
    from generator.attributions.smoothgrad import latin_hypercube
    return latin_hypercube(generator, n, d)


def antithetic_latin(generator, n, d):
    """A Latin hypercube of n/2 points, each used as z and −z. Units: the pairs."""
    z = latin(generator, n // 2, d)
    return np.stack([z, -z], axis=1).reshape(n, d)


def mirrored_latin(generator, n, d):
    """n/2 pairs z, −z whose n values of every coordinate cover its n strata once: coordinate i
    of pair p is in stratum s or its mirror n − 1 − s (s = π_i(p), π_i a random permutation of
    the n/2 lower strata, the side a fair coin), uniform within it, and −z takes the mirror.
    Each z is uniform on the cube, so each sample is exactly N(0, I). Units: the pairs."""
    half = n // 2
    strata = np.argsort(generator.random((d, half)), axis=1).T
    flip = generator.random((half, d)) < 0.5
    strata = np.where(flip, n - 1 - strata, strata)
    z = normal_quantile((strata + generator.random((half, d))) / n)
    return np.stack([z, -z], axis=1).reshape(n, d)


def orthogonal(generator, n, d):
    """Directions orthonormal across the samples (Q of the QR of an n × d Gaussian matrix, which
    is Haar distributed), each scaled by the norm of an independent N(0, I_d) vector (χ_d): each
    sample is exactly N(0, I)."""
    q, r = np.linalg.qr(generator.standard_normal((d, n)))
    q = q * np.sign(np.diag(r))
    radius = np.linalg.norm(generator.standard_normal((n, d)), axis=1)
    return q.T * radius[:, None]


def antithetic_orthogonal(generator, n, d):
    """n/2 orthogonal samples (as ``orthogonal``), each used as z and −z. Units: the pairs."""
    z = orthogonal(generator, n // 2, d)
    return np.stack([z, -z], axis=1).reshape(n, d)


SCHEMES = {
    "plain": (plain, 1, True),
    "antithetic": (antithetic, 2, True),
    "latin hypercube": (latin, 1, True),
    "antithetic latin": (antithetic_latin, 2, True),
    "mirrored latin": (mirrored_latin, 2, True),
    "orthogonal": (orthogonal, 1, True),
    "antithetic orthogonal": (antithetic_orthogonal, 2, True),
    "latin one design": (latin, 1, False),
    "mirrored latin one design": (mirrored_latin, 2, False),
}
"""name → (draws(generator, n, d) → (n, d) N(0, I) samples, samples per independent unit, halves
drawn as two independent designs). A scheme drawn as one design has dependent halves: its
split-half estimate is shown for comparison only."""


def draw(scheme, generator, n, d):
    """The scheme's samples, the first half of the units then the rest: ((n, d) samples, samples
    in the first half). The halves are two independent designs unless the scheme says not."""
    draws, per_unit, split = scheme
    units = n // per_unit
    h = (units + 1) // 2
    if not split:
        return draws(generator, n, d), h * per_unit
    first, second = draws(generator, h * per_unit, d), draws(generator, (units - h) * per_unit, d)
    return np.concatenate([first, second]), h * per_unit


def l1(maps):
    return np.abs(maps).reshape(len(maps), -1).sum(axis=1)


def reference(grad_fn, images, targets, seed):
    rng = np.random.default_rng([seed, 54321])
    maps = []
    for image, target in zip(images, targets):
        total = np.zeros(image.shape)
        for _ in range(REFERENCE_SAMPLES // 1024):
            noise = SIGMA * rng.standard_normal((1024, *image.shape))
            total += gradients(grad_fn, (image + noise).astype(np.float32), np.full(1024, target)).astype(np.float64).sum(axis=0)
        maps.append(total / REFERENCE_SAMPLES)
    return np.stack(maps)


def scheme_maps(grad_fn, images, targets, scheme, n, seed):
    """(maps, first-half means, second-half means, h, units) of every image."""
    from generator.attributions.seeding import image_generator

    d = int(np.prod(images.shape[1:]))
    noise, first = [], None
    for image in images:
        z, first = draw(scheme, image_generator(image, seed), n, d)
        noise.append(z.reshape(n, *image.shape))
    noise = SIGMA * np.stack(noise)
    points = (images[:, None] + noise).astype(np.float32).reshape(-1, *images.shape[1:])
    g = gradients(grad_fn, points, np.repeat(targets, n)).astype(np.float64).reshape(len(images), n, *images.shape[1:])
    a, b = g[:, :first].mean(axis=1), g[:, first:].mean(axis=1)
    return g.mean(axis=1), a, b, first, n


def main() -> None:
    from generator.attributions import GradientFunction
    from generator.stages.data import load_dataset, to_model_input
    from generator.stages.keras_archive import load_keras

    options = sampling_study_parser(__doc__, "--samples", SAMPLES).parse_args()
    seeds, sample_counts, only = options.seeds, options.counts, options.schemes
    path = model_path(options.model)
    report_machine()
    grad_fn = GradientFunction(load_keras(path), chunk_size=2048)
    data = load_dataset()
    images, targets, right, wrong = study_images(grad_fn, to_model_input(data.x_test), data.y_test, IMAGES_CORRECT,
                                                 IMAGES_WRONG)
    print(f"model {path.name}; {len(images)} images ({right} correct, {wrong} misclassified), "
          f"σ = {SIGMA}, {seeds} seeds per scheme")

    ref_a, ref_b = two_references(options.cache, lambda seed: reference(grad_fn, images, targets, seed))
    ref = (ref_a + ref_b) / 2
    noise = relative_l1(ref_a, ref_b) / 2
    print(f"reference: {REFERENCE_SAMPLES} plain samples per image, twice; error of their mean "
          f"≈ ‖A − B‖₁/‖A‖₁/2: median {np.median(noise):.2%}, max {noise.max():.2%}")

    results = {}
    print(f"\n{'scheme':24s} {'n':>4s} {'map median':>10s} {'map max':>8s} {'noise/true':>10s} {'5-95%':>11s}")
    schemes = {name: SCHEMES[name] for name in (only or SCHEMES)}
    for name, scheme in schemes.items():
        for n in sample_counts:
            errors, ratios = [], []
            for seed in range(seeds):
                maps, a, b, h, _ = scheme_maps(grad_fn, images, targets, scheme, n, seed)
                errors.append(relative_l1(maps, ref))
                estimate = np.sqrt(h * (n - h)) / n * l1(a - b) / l1(maps)
                ratios.append(estimate / (l1(maps - ref) / l1(maps)))
            errors, ratios = np.concatenate(errors), np.concatenate(ratios)
            results[name, n] = (np.median(errors), errors.max())
            lo, hi = np.percentile(ratios, [5, 95])
            print(f"{name:24s} {n:4d} {np.median(errors):10.2%} {errors.max():8.2%} {np.median(ratios):9.2f}x "
                  f"{lo:5.2f}-{hi:4.2f}x", flush=True)

    if ("plain", 32) not in results:
        return
    today = results["plain", 32]
    print(f"\nbefore (plain, 32 samples): map error median {today[0]:.2%}, max {today[1]:.2%}")
    for name in schemes:
        enough = [n for n in sample_counts if results[name, n][0] <= today[0] and results[name, n][1] <= today[1]]
        print(f"{name:24s} fewest samples as accurate: {enough[0] if enough else '> ' + str(max(sample_counts))}")


if __name__ == "__main__":
    main()
