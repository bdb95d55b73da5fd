"""SmoothGrad's Latin-hypercube noise and its split-half noise estimate, against closed forms.

The model is a one-hidden-layer ReLU network f(x) = Σ_k v_k relu(w_k · x + b_k), whose SmoothGrad
is known exactly: E[1(w · (x + ε) + b > 0)] = Φ((w · x + b) / (σ ‖w‖)) for ε ~ N(0, σ² I), so

    SG(x) = Σ_k v_k Φ((w_k · x + b_k) / (σ ‖w_k‖)) w_k.
"""

import math

import numpy as np

from generator.attributions.smoothgrad import image_noise, normal_quantile, smoothgrad, smoothgrad_halves
from generator.pages.gallery import _check_cells
from generator.stages.results import Completeness

RNG = np.random.default_rng(7)
SHAPE, UNITS, SIGMA = (8, 8, 1), 32, 0.2
W = RNG.normal(size=(UNITS, int(np.prod(SHAPE))))
B = 0.5 * RNG.normal(size=UNITS)
V = RNG.normal(size=UNITS)
PHI = np.vectorize(lambda s: 0.5 * (1 + math.erf(s / math.sqrt(2))))


def relu_net(images, targets):
    z = images.reshape(len(images), -1).astype(np.float64) @ W.T + B
    return (((z > 0) * V) @ W).reshape(images.shape).astype(np.float32), np.maximum(z, 0) @ V


def exact_smoothgrad(images):
    z = images.reshape(len(images), -1).astype(np.float64) @ W.T + B
    return ((PHI(z / (SIGMA * np.linalg.norm(W, axis=1))) * V) @ W).reshape(images.shape)


def images_of(count):
    return (0.1 * RNG.normal(size=(count, *SHAPE))).astype(np.float32)


def l1(maps):
    return np.abs(maps).reshape(len(maps), -1).sum(axis=1)


def test_normal_quantile_inverts_the_normal_cdf():
    u = np.r_[RNG.random(2000), 1e-12, 0.02, 0.5, 0.98, 1 - 1e-12]
    np.testing.assert_allclose(PHI(normal_quantile(u)), u, rtol=1e-8, atol=1e-15)


def test_each_half_of_the_noise_is_a_latin_hypercube_of_the_requested_scale():
    image = images_of(1)[0]
    noise = image_noise(image, 10, 0.3, seed=4)
    for half in (noise[:5], noise[5:]):
        strata = np.floor(PHI(half.astype(np.float64) / 0.3) * 5).reshape(5, -1)
        np.testing.assert_array_equal(np.sort(strata, axis=0), np.repeat(np.arange(5.0)[:, None], image.size, axis=1))
    assert abs(image_noise(image, 4000, 0.3, seed=1).std() - 0.3) < 0.003


def test_a_constant_gradient_is_exact_with_no_noise():
    w = RNG.normal(size=SHAPE).astype(np.float32)
    images = images_of(3)
    halves = smoothgrad_halves(lambda x, t: (np.broadcast_to(w, x.shape).copy(), np.zeros(len(x))), images,
                               np.zeros(3, int), samples=6, noise_level=0.5)
    np.testing.assert_allclose(halves.maps, np.broadcast_to(w, images.shape), rtol=1e-6)
    np.testing.assert_array_equal(halves.noise(), 0.0)


def test_the_latin_hypercube_estimate_is_unbiased():
    images, seeds = images_of(4), 300
    maps = np.stack([smoothgrad(relu_net, images, np.zeros(4, int), samples=8, noise_level=SIGMA, seed=s)
                     for s in range(seeds)])
    error = maps.mean(axis=0) - exact_smoothgrad(images)
    standard_error = maps.std(axis=0) / np.sqrt(seeds)
    assert np.all(np.abs(error) < 5 * standard_error + 1e-6)
    assert np.mean(np.abs(error) < 2 * standard_error + 1e-6) > 0.9


def test_the_noise_estimate_matches_the_distance_to_the_exact_smoothgrad():
    images = images_of(300)
    halves = smoothgrad_halves(relu_net, images, np.zeros(300, int), samples=24, noise_level=SIGMA, seed=1)
    true = l1(halves.maps - exact_smoothgrad(images)) / l1(halves.maps)
    assert 0.85 < np.median(halves.noise() / true) < 1.15
    assert 0.85 < halves.noise().mean() / true.mean() < 1.15


def test_maps_and_noise_do_not_depend_on_chunk_size_or_batch_order():
    images, targets = images_of(5), np.zeros(5, int)
    order = np.array([4, 2, 0, 1, 3])
    reference = smoothgrad_halves(relu_net, images, targets, samples=7, noise_level=SIGMA, chunk_size=1000)
    shuffled = smoothgrad_halves(relu_net, images[order], targets, samples=7, noise_level=SIGMA, chunk_size=3)
    np.testing.assert_allclose(shuffled.maps, reference.maps[order], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(shuffled.noise(), reference.noise()[order], rtol=1e-6)
    assert (reference.h, reference.n) == (4, 7)
    assert np.all(np.isnan(smoothgrad_halves(relu_net, images, targets, samples=1).noise()))


def test_the_gallery_caption_prints_smoothgrad_noise_when_known():
    check = Completeness(1.0, 1.0, 0.0, 17)
    eg = Completeness(0.9, 1.0, 0.1, 64, 0.41)
    assert "SmoothGrad noise ≈ 39% of the map" in _check_cells(check, "Δlogit", eg, {"smoothgrad": 0.387})["check"]  # to nearest
    assert "SmoothGrad" not in _check_cells(check, "Δlogit", eg)["check"]
