"""The benchmark's parts compute what they claim (timings themselves are never asserted)."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from generator import attributions as attr  # noqa: E402
from generator.bench import BenchOptions, floor_calls, format_table, reference_ig  # noqa: E402


def small_cnn():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(4)])


def test_reference_loop_computes_the_same_ig_as_the_engine():
    model = small_cnn()
    images = np.random.default_rng(1).uniform(size=(2, 8, 8, 1)).astype(np.float32)
    engine = attr.integrated_gradients(model, images, np.array([1, 3]), steps=10, method="trapezoid")
    for i, target in enumerate([1, 3]):
        np.testing.assert_allclose(reference_ig(model, images[i], target, 10, "trapezoid"), engine[i],
                                   rtol=1e-5, atol=1e-6)


def floor_and_engine_calls(monkeypatch, owner, name, key, grad_fn, images, steps, chunk_size):
    """What ``key`` records of each call of ``owner.name``: while the floor runs, then while the engine
    runs IG on the same images (gauss_legendre, ``steps`` nodes, ``chunk_size``)."""
    calls, original = [], getattr(owner, name)
    monkeypatch.setattr(owner, name, lambda *arguments: (calls.append(key(*arguments)), original(*arguments))[1])
    targets = np.zeros(len(images), int)
    floor_calls(grad_fn, images, targets, steps, "gauss_legendre")()
    floor = list(calls)
    calls.clear()
    attr.integrated_gradients(grad_fn, images, targets, steps=steps, chunk_size=chunk_size)
    return floor, calls


def test_floor_makes_exactly_the_engines_compiled_calls(monkeypatch):
    grad_fn = attr.GradientFunction(small_cnn(), chunk_size=16)
    images = np.random.default_rng(2).uniform(size=(5, 8, 8, 1)).astype(np.float32)
    floor, engine = floor_and_engine_calls(monkeypatch, grad_fn, "_compiled", lambda x, w: len(x), grad_fn, images,
                                           7, 16)
    assert floor == engine == [16, 16, 3]


def test_floor_makes_exactly_the_engines_straight_path_calls(monkeypatch):
    # The straight path's compiled calls, when the sweep is not taken.
    from generator.stages.model import build_cnn

    grad_fn = attr.GradientFunction(build_cnn(), chunk_size=32, path="straight")
    images = np.random.default_rng(3).uniform(size=(5, 28, 28, 1)).astype(np.float32)
    floor, engine = floor_and_engine_calls(monkeypatch, grad_fn.straight_path_sums, "compiled",
                                           lambda x, b, w, a, k: (len(x), len(a)), grad_fn, images, 12, 32)
    assert floor == engine == [(2, 12), (2, 12), (1, 12)]  # whole images, 24 of 32 image-steps per call


def test_floor_runs_the_engines_sweep(monkeypatch):
    from generator.stages.model import build_cnn

    grad_fn = attr.GradientFunction(build_cnn(), chunk_size=2)
    images = np.random.default_rng(3).uniform(size=(5, 28, 28, 1)).astype(np.float32)
    assert grad_fn.path == "sweep"
    floor, engine = floor_and_engine_calls(monkeypatch, grad_fn.straight_path_sums, "_opening",
                                           lambda x, b: len(x), grad_fn, images, 12, 2)
    assert floor == engine == [2, 2, 1]  # the gradient function's chunk of images per call


def test_table_names_every_measure():
    numbers = {key: 1.0 for key in ("reference_ms_per_image", "engine_ms_per_image", "speedup", "floor_ms_per_image",
                                    "engine_over_floor", "reference_vs_engine_max_relative_difference",
                                    "gradient_images_per_s", "saliency_images_per_s", "peak_mib_n", "peak_mib_4n",
                                    "fixed_median_error", "fixed_max_error", "adaptive_ms_per_image",
                                    "adaptive_tolerance", "adaptive_map_tolerance", "adaptive_evaluations", "adaptive_median_error",
                                    "adaptive_max_error", "mflop_per_image_step", "performed_mflop_per_image_step",
                                    "floor_gflops", "matmul_gflops")}
    table = format_table(numbers, BenchOptions(images=64), "test machine")
    for words in ("Reference", "Engine", "Speed-up", "Floor", "Gradient throughput", "Saliency throughput",
                  "IG on 64 images", "IG on 256 images", "test machine", "Adaptive IG", "MFLOP", "matrix product",
                  "share of that peak", "performs"):
        assert words in table


def test_flops_are_counted_from_the_layers_forward_and_input_gradient():
    from generator.bench_machine import flops_per_image_step, layer_flops

    model = small_cnn()  # Conv2D 3×3, 1 → 3 channels over 6×6 outputs; Dense 108 → 4
    conv, dense = 2 * 6 * 6 * 3 * 3 * 1 * 3, 2 * 108 * 4
    assert [(layer.forward, layer.backward) for layer in layer_flops(model)] == [(conv, conv), (dense, dense)]
    assert flops_per_image_step(model) == 2 * (conv + dense)


def test_the_report_cnn_costs_about_ten_megaflops_per_image_step():
    from generator.bench_machine import flops_per_image_step
    from generator.stages.model import build_cnn

    # 26²·9·32 + 11²·9·32·64 + 1600·10 multiply-adds, forward and input gradient: 9.8 MFLOP.
    assert flops_per_image_step(build_cnn()) == 4 * (26 * 26 * 9 * 32 + 11 * 11 * 9 * 32 * 64 + 1600 * 10)


def test_the_engine_performs_the_report_cnns_flops_on_the_read_part_and_the_first_layer_once_per_image():
    from generator.bench_machine import performed_flops_per_image_step
    from generator.stages.model import build_cnn

    model = build_cnn()
    # 26 × 26 pixels read: the first convolution gives 24², the second 10²; with the straight path
    # the first one runs twice forward and once back per image, not per step.
    first, second, dense = 2 * 24 * 24 * 9 * 32, 2 * 10 * 10 * 9 * 32 * 64, 2 * 1600 * 10
    straight = attr.GradientFunction(model, path="straight")
    assert performed_flops_per_image_step(straight, 16) == pytest.approx(2 * (second + dense) + 3 * first / 16)
    # The sweep: per image the first convolution 3 forward + 1 back, the second 2 + 1, the head once
    # back and three 3 × 3 × 64 kernel slices per switch; per step z = A + α M on 10 × 10 × 64.
    swept = attr.GradientFunction(model, path="sweep")
    swept.straight_path_sums.switches = np.array([100, 300])  # as if its last run had met these switches
    per_image = 4 * first + 3 * second + dense + 200 * 6 * 9 * 64
    assert performed_flops_per_image_step(swept, 16) == pytest.approx(per_image / 16 + 2 * 10 * 10 * 64)
    general = attr.GradientFunction(model, path="general")
    assert performed_flops_per_image_step(general, 16) == 2 * (first + second + dense)
