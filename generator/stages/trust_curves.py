"""The trust stage's deletion and insertion curves, measured until their areas are as precise as
stated (computing only).

For every method's ranking, the random orders and the image-only edge order, and each fill
(black, blurred, ROAD), the curves of the target's score (the logit, or log p for a model of
probabilities) and their rescaled areas (:func:`~.faithfulness.normalised_auc`). The images come
in a seeded order, in batches of :data:`CURVE_BATCH`; each fill stops once the 95% interval of
every area it reports (each order, both directions) is at most ± ``trust.area_precision`` wide, or
at its maximum (:mod:`.precision`, a fixed-width sequential rule). The maps are computed once per
image, for the images the fill that goes furthest reaches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from generator import attributions as attr
from generator.plumbing.settings import Settings
from generator.stages import faithfulness as faith
from generator.stages import road
from generator.methods import keys
from generator.stages.method_maps import every_method_maps
from generator.stages.precision import StoppingRule, batch_seed, until_precise
from generator.stages.report_model import ReportModel
from generator.stages.trust_records import FillEvidence, OrderCurves

Log = Callable[[str], None]
FILLS = ("black", "blur", "road")
DIRECTIONS = ("deletion", "insertion")
CURVE_STEP_SHARE = 0.05
"""Largest share of the pixels removed or restored between two points of a black or blurred
curve (39 of 784 pixels). Against 2% steps no method's or control's mean area moved by more than
a fifth of the default precision target, at less than half the cost (docs/performance.md)."""
ROAD_STEP_SHARE = 0.1
"""ROAD's curves are scored every 10% of the pixels, as Rong et al. evaluate them: each point is a
linear system per image (:mod:`.road`)."""
ROAD_IMAGES = 100
"""The most images whose ROAD curves are measured. Each image needs 144 linear systems (9 interior
points of 16 curves: 8 orders, 2 directions), the dearest for orders that remove the strokes
first (timings: docs/performance.md)."""
CURVE_BATCH = 50
"""Images added to a fill between two looks at its precision."""


class GrowingMaps:
    """Every method's maps of a prefix of ``images``, computed as later looks need more."""

    def __init__(self, grad_fn: attr.GradientFunction, images: np.ndarray, targets: np.ndarray, settings: Settings,
                 baselines: np.ndarray) -> None:
        self.grad_fn, self.images, self.targets = grad_fn, images, targets
        self.settings, self.baselines = settings, baselines
        self.rankings: dict[str, np.ndarray] = {key: np.zeros((0, int(np.prod(images.shape[1:3]))), np.int64)
                                                for key in keys()}

    def upto(self, n: int) -> dict[str, np.ndarray]:
        """(n, H·W) pixel rankings of every method's maps of the first ``n`` images."""
        done = len(self.rankings[keys()[0]])
        if n > done:
            maps = every_method_maps(self.grad_fn, self.images[done:n], self.targets[done:n],
                                     self.settings.attribution, self.settings.seed, self.baselines).maps
            for key in keys():
                self.rankings[key] = np.concatenate([self.rankings[key], faith.ranking(maps[key])])
        return {key: value[:n] for key, value in self.rankings.items()}


def _joined(parts: list[OrderCurves]) -> OrderCurves:
    return OrderCurves(*(np.concatenate([getattr(p, name) for p in parts])
                         for name in ("deletion", "insertion", "deletion_area", "insertion_area")))


def faithfulness_evidence(model: object, images: np.ndarray, targets: np.ndarray, random_orders: int,
                          settings: Settings, baselines: np.ndarray, log: Log) -> dict[str, FillEvidence]:
    """Every fill's curves (:class:`FillEvidence`, ``sample`` as positions in ``images``, a prefix,
    with where it stopped and why). ``images`` and ``targets``: the
    faithfulness sample in the seeded order its images are taken in (its length is the most any
    fill takes; ROAD takes at most :data:`ROAD_IMAGES`)."""
    seed = settings.seed
    grad_fn = ReportModel.of(model, settings).grad_fn
    score_fn = grad_fn.logits
    pixels = int(np.prod(images.shape[1:3]))
    maps = GrowingMaps(grad_fn, images, targets, settings, baselines)
    random = faith.random_rankings(random_orders, len(images), pixels, seed)  # (orders, N, pixels)
    edges = faith.edge_ranking(images[..., 0])
    fill_images = {"black": np.zeros_like(images), "blur": faith.blur(images)}
    ends = {name: faith.end_logits(score_fn, images, fill) for name, fill in fill_images.items()}  # every order's
    ends["road"] = ends["black"]  # with every pixel removed, ROAD has nothing to interpolate from: black
    step = faith.step_pixels(pixels, CURVE_STEP_SHARE)
    road_counts = np.round(np.linspace(0.0, 1.0, int(round(1 / ROAD_STEP_SHARE)) + 1) * pixels).astype(np.int64)
    rule = StoppingRule(settings.trust.area_precision, CURVE_BATCH, len(images))

    fractions: dict[str, np.ndarray] = {}

    def batch_curves(fill: str, start: int, stop: int) -> dict[str, OrderCurves]:
        rows = slice(start, stop)
        orders = {key: [value[rows]] for key, value in maps.upto(stop).items()}
        orders["random"] = [r[rows] for r in random]
        orders["image_only"] = [edges[rows]]
        cut = tuple(e[rows] for e in ends[fill])
        curves = {}
        for name, rankings in orders.items():
            paths = {}
            for direction in DIRECTIONS:
                if fill == "road":
                    paths[direction] = [road.road_curves(score_fn, images[rows], targets[rows], order, road_counts,
                                                         direction == "deletion", batch_seed(seed, start), ends=cut)
                                        for order in rankings]
                else:
                    walk = faith.deletion if direction == "deletion" else faith.insertion
                    paths[direction] = [walk(score_fn, images[rows], targets[rows], order, fill_images[fill][rows],
                                             step, ends=cut) for order in rankings]
            fractions[fill] = paths["deletion"][0].fractions
            curves[name] = OrderCurves(**{key: value for direction in DIRECTIONS for key, value in (
                (direction, np.mean([c.logit for c in paths[direction]], axis=0).astype(np.float32)),
                (f"{direction}_area", np.mean([faith.normalised_auc(c, "logit") for c in paths[direction]], axis=0)))})
        return curves

    evidence, stops = {}, {}
    for fill in FILLS:
        parts: list[dict[str, OrderCurves]] = []

        def extend(n: int, fill: str = fill, parts: list = parts) -> list[np.ndarray]:
            start = sum(len(p["image_only"].deletion_area) for p in parts)
            parts.append(batch_curves(fill, start, n))
            return [np.concatenate([getattr(p[name], f"{d}_area") for p in parts])
                    for name in parts[0] for d in DIRECTIONS]

        available = min(len(images), ROAD_IMAGES) if fill == "road" else len(images)
        stops[fill] = until_precise(rule, available, extend)
        n = stops[fill].images
        log(f"trust: {fill} curves of {len(parts[0])} orders on {n} images, widest 95% half-width "
            f"{stops[fill].half_width:.3f} (target {rule.target:g})")
        curves = {name: _joined([p[name] for p in parts]) for name in parts[0]}
        image_score, filled_score = (e[np.arange(n), targets[:n]].astype(np.float64) for e in ends[fill])
        evidence[fill] = FillEvidence(np.arange(n), fractions[fill], image_score, filled_score, curves, rule.target,
                                      stops[fill].maximum, stops[fill].half_width)
    return evidence
