"""``gradient-gallery bench``: the attribution engine against a per-step reference and the floor.

All numbers come from one run on one model, one set of test images and one machine:

- reference: Integrated Gradients the way a hand-written loop does it, one GradientTape per
  step on a batch of one (made correct: target logit fixed along the path, quadrature
  weights, times (x − x′));
- engine: :func:`generator.attributions.integrated_gradients`;
- floor: only the compiled gradient calls the engine makes, on pre-built path points;
- the engine against the hardware: the model's FLOPs per image-step (counted from its layers,
  :mod:`generator.bench_machine`), the rate the floor achieves, and the float32 matrix-product
  peak measured in the same run;
- adaptive IG (no ``steps``): its time, gradient evaluations per map and completeness, beside
  the fixed rule's;
- gradient and saliency throughput, and the peak memory of the engine for N and 4N images
  (each in a fresh process), which shows that memory follows the chunk size, not N.

Each timing is the best of ``repeats`` runs.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from typing import Any, Callable

import numpy as np

from generator import attributions as attr
from generator.bench_machine import flops_per_image_step, matmul_gflops, performed_flops_per_image_step
from generator.plumbing.bench_options import BenchOptions

__all__ = ["BenchOptions", "best_of", "floor_calls", "format_table", "peak_memory_mib", "reference_ig", "run_bench"]


def best_of(repeats: int, run: Callable[[], Any]) -> float:
    """Smallest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def reference_ig(model: Any, image: np.ndarray, target: int, steps: int, method: str) -> np.ndarray:
    """IG with one tape per step and a batch of one: the loop the engine replaces."""
    import tensorflow as tf

    alphas, weights = attr.quadrature(method, steps)
    total = np.zeros_like(image, dtype=np.float64)
    for alpha, weight in zip(alphas, weights):
        point = tf.constant((alpha * image)[None], dtype=tf.float32)
        with tf.GradientTape() as tape:
            tape.watch(point)
            logit = model(point, training=False)[0, target]
        total += weight * tape.gradient(logit, point)[0].numpy()
    return (image * total).astype(np.float32)


def floor_calls(grad_fn: attr.GradientFunction, images: np.ndarray, targets: np.ndarray,
                steps: int, method: str) -> Callable[[], None]:
    """A callable making exactly the engine's compiled gradient calls (from black), on inputs
    sliced beforehand: on ``grad_fn.path`` "sweep" the sweep (:mod:`generator.attributions.engine.switch_sweep`),
    on "straight" the straight-path calls (:mod:`generator.attributions.engine.straight_path`), else one
    call per chunk of path points."""
    alphas, weights = (np.asarray(a, np.float32) for a in attr.quadrature(method, steps))
    class_weights = grad_fn.class_weights(targets)
    path, black = grad_fn.straight_path_sums, np.zeros_like(images)
    if grad_fn.path == "sweep":  # its TensorFlow calls and the sweep between them
        calls = [(lambda *arguments: path(*arguments, grad_fn.chunk_size), (images, black, targets, alphas, weights))]
    elif grad_fn.path == "straight":
        calls = [(path.compiled, (images[rows], black[rows], class_weights[rows], alphas[nodes], weights[nodes]))
                 for rows, nodes in path.calls(len(images), steps, grad_fn.chunk_size)]
    else:
        rows = np.arange(len(images) * steps)
        points = attr.interpolate(black[rows // steps], images[rows // steps], alphas[rows % steps])
        row_weights = class_weights[rows // steps]
        calls = [(grad_fn._compiled, (points[s:s + grad_fn.chunk_size], row_weights[s:s + grad_fn.chunk_size]))
                 for s in range(0, len(rows), grad_fn.chunk_size)]

    def run() -> None:
        for compiled, arguments in calls:
            result = compiled(*arguments)
            np.asarray(result[0] if isinstance(result, tuple) else result)

    return run


def peak_memory_mib(model_path: str, count: int, options: BenchOptions) -> float:
    """Peak resident memory of a fresh process that runs the engine on ``count`` images."""
    code = (
        "import json, resource, sys\n"
        "from generator.bench import _memory_probe\n"
        f"_memory_probe({model_path!r}, {count}, {options.steps}, {options.method!r}, {options.chunk_size})\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(json.loads(result.stdout.strip().splitlines()[-1])["peak_mib"])


def _memory_probe(model_path: str, count: int, steps: int, method: str, chunk_size: int) -> None:
    from generator.stages.keras_archive import load_keras

    model = load_keras(model_path)
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    # Synthetic images: loading the dataset would dominate the peak being measured.
    images = np.random.default_rng(0).uniform(size=(count, *shape)).astype(np.float32)
    attr.integrated_gradients(model, images, np.zeros(count, int), steps=steps, method=method, chunk_size=chunk_size)
    print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_bench(model: Any, model_path: str, images: np.ndarray, options: BenchOptions,
              log: Callable[[str], None] = print) -> dict[str, float]:
    """Measure everything; returns the numbers behind the printed table."""
    grad_fn = attr.GradientFunction(model, chunk_size=options.chunk_size)
    batch = images[: options.images]
    targets = np.argmax(grad_fn.model.predict(batch, verbose=0), axis=1)
    ig = lambda: attr.integrated_gradients(grad_fn, batch, targets, steps=options.steps,  # noqa: E731
                                           method=options.method, chunk_size=options.chunk_size)
    engine_maps = ig()  # traces the compiled function
    log(f"bench: reference loop on {options.reference_images} images × {options.steps} steps, best of {options.repeats}")
    reference_model = grad_fn.model
    reference_ig(reference_model, batch[0], int(targets[0]), 2, options.method)  # warm-up
    reference_maps: list[np.ndarray] = []

    def reference_loop() -> None:
        reference_maps[:] = [reference_ig(reference_model, batch[i], int(targets[i]), options.steps, options.method)
                             for i in range(options.reference_images)]

    reference = best_of(options.repeats, reference_loop) / options.reference_images
    agreement = max(float(np.max(np.abs(r - engine_maps[i])) / (np.max(np.abs(r)) + 1e-12))
                    for i, r in enumerate(reference_maps))
    log(f"bench: engine and floor on {len(batch)} images × {options.steps} steps, best of {options.repeats}")
    engine = best_of(options.repeats, ig) / len(batch)
    floor = best_of(options.repeats, floor_calls(grad_fn, batch, targets, options.steps, options.method)) / len(batch)
    many = np.resize(images, (options.throughput_images, *images.shape[1:]))
    many_targets = np.resize(targets, options.throughput_images)
    attr.gradient(grad_fn, many[: options.chunk_size], many_targets[: options.chunk_size])
    gradient_time = best_of(options.repeats, lambda: attr.gradient(grad_fn, many, many_targets))
    saliency_time = best_of(options.repeats, lambda: attr.saliency(grad_fn, many, many_targets))
    log(f"bench: peak memory of the engine for {len(batch)} and {4 * len(batch)} images (fresh processes)")
    memory_n = peak_memory_mib(model_path, len(batch), options)
    memory_4n = peak_memory_mib(model_path, 4 * len(batch), options)
    log("bench: adaptive IG, and the float32 matrix-product peak")
    adaptive = adaptive_numbers(grad_fn, batch, targets, options)
    fixed_errors = attr.completeness_check(grad_fn, batch, targets, engine_maps).relative_error
    flops = flops_per_image_step(grad_fn.model)
    performed = performed_flops_per_image_step(grad_fn, options.steps)
    return {
        **adaptive,
        "fixed_median_error": float(np.median(fixed_errors)),
        "fixed_max_error": float(np.max(fixed_errors)),
        "mflop_per_image_step": flops / 1e6,
        "performed_mflop_per_image_step": performed / 1e6,
        "floor_gflops": performed * options.steps / floor / 1e9,
        "matmul_gflops": matmul_gflops(),
        "reference_ms_per_image": 1e3 * reference,
        "engine_ms_per_image": 1e3 * engine,
        "speedup": reference / engine,
        "floor_ms_per_image": 1e3 * floor,
        "engine_over_floor": engine / floor,
        "reference_vs_engine_max_relative_difference": agreement,
        "gradient_images_per_s": options.throughput_images / gradient_time,
        "saliency_images_per_s": options.throughput_images / saliency_time,
        "peak_mib_n": memory_n,
        "peak_mib_4n": memory_4n,
    }


def adaptive_numbers(grad_fn: attr.GradientFunction, batch: np.ndarray, targets: np.ndarray,
                     options: BenchOptions) -> dict[str, float]:
    """Adaptive IG on the bench's images (the default checks): time per image, mean evaluations,
    completeness."""
    from generator.attributions.adaptive import DEFAULT_MAP_TOLERANCE, DEFAULT_TOLERANCE, adaptive_integrated_gradients

    found: list[Any] = []

    def run() -> None:
        found[:] = [adaptive_integrated_gradients(grad_fn, batch, targets, tolerance=DEFAULT_TOLERANCE,
                                                  chunk_size=options.chunk_size)]

    seconds = best_of(options.repeats, run) / len(batch)
    result = found[0]
    return {"adaptive_ms_per_image": 1e3 * seconds, "adaptive_tolerance": DEFAULT_TOLERANCE,
            "adaptive_map_tolerance": DEFAULT_MAP_TOLERANCE,
            "adaptive_evaluations": float(result.evaluations.mean()),
            "adaptive_median_error": float(np.median(result.relative_error)),
            "adaptive_max_error": float(np.max(result.relative_error))}


def format_table(numbers: dict[str, float], options: BenchOptions, machine: str) -> str:
    """The Markdown table printed by ``gradient-gallery bench`` (and kept in docs/performance.md)."""
    n = options.images
    rows = [
        ("Reference: one tape per step, batch of 1", f"{numbers['reference_ms_per_image']:.1f} ms/image"),
        ("Engine: integrated_gradients", f"{numbers['engine_ms_per_image']:.2f} ms/image"),
        ("Speed-up over the reference", f"{numbers['speedup']:.0f}×"),
        ("Floor: compiled gradient calls only", f"{numbers['floor_ms_per_image']:.2f} ms/image"),
        ("Engine time / floor", f"{numbers['engine_over_floor']:.2f}"),
        ("Reference vs engine, max relative difference", f"{numbers['reference_vs_engine_max_relative_difference']:.1e}"),
        ("Gradient throughput", f"{numbers['gradient_images_per_s']:,.0f} images/s"),
        ("Saliency throughput", f"{numbers['saliency_images_per_s']:,.0f} images/s"),
        (f"Peak memory, IG on {n} images", f"{numbers['peak_mib_n']:,.0f} MiB"),
        (f"Peak memory, IG on {4 * n} images", f"{numbers['peak_mib_4n']:,.0f} MiB"),
        ("Completeness error at the fixed steps: median / max",
         f"{numbers['fixed_median_error']:.2%} / {numbers['fixed_max_error']:.2%}"),
        (f"Adaptive IG (each map to {numbers['adaptive_tolerance']:.1%} completeness, "
         f"{numbers['adaptive_map_tolerance']:.0%} change)",
         f"{numbers['adaptive_ms_per_image']:.2f} ms/image, {numbers['adaptive_evaluations']:.1f} evaluations per map"),
        ("Adaptive IG completeness error: median / max",
         f"{numbers['adaptive_median_error']:.2%} / {numbers['adaptive_max_error']:.2%}"),
        ("Model FLOPs per image-step (forward + input gradient, counted)", f"{numbers['mflop_per_image_step']:.1f} MFLOP"),
        ("FLOPs per image-step the engine performs (what it reads, shortcuts taken)",
         f"{numbers['performed_mflop_per_image_step']:.1f} MFLOP"),
        ("Achieved by the floor, on the performed FLOPs", f"{numbers['floor_gflops']:.0f} GFLOP/s"),
        ("Float32 matrix product (2048², this run)", f"{numbers['matmul_gflops']:.0f} GFLOP/s"),
        ("Floor's share of that peak", f"{numbers['floor_gflops'] / numbers['matmul_gflops']:.0%}"),
    ]
    header = (f"IG at {options.steps} steps ({options.method}), chunk {options.chunk_size} image-steps, "
              f"{n} test images; {machine}")
    lines = [header, "", "| measure | value |", "|---|---:|"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)
