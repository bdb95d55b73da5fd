"""The attributions stage and the whole-test-set pass, the code before issue 14 against this
checkout, side by side in one run on one model.

    python -m benchmarks.attributions MODEL.keras [BEFORE]   # BEFORE: a git revision, default 9198c37^

BEFORE is checked out into a temporary folder (git worktree). Each round runs both checkouts in
fresh child processes, one after the other, each with its own default settings, on the rows a
default build publishes for MODEL (the default model: the newest .gradient-gallery/models/cnn-*.keras
after a default build); 3 rounds, the best time of each is kept. Before issue 14 the stage computed
IG at 64 Gauss–Legendre nodes, doubled for maps above 1% completeness error, and the contrast maps
and contrast Expected Gradients separately.

For each checkout it prints the seconds of the stage and of the pass, the IG gradient evaluations
per map, and the completeness error (median, max) of the published IG maps and the whole test set.
"""

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import ROOT, parser, report_machine, revision_checkout

CHILD = r'''
import json, os, sys, time
import numpy as np
import generator
assert generator.__file__.startswith(os.getcwd()), f"imported {generator.__file__}, not this checkout"
from generator.attributions import GradientFunction
from generator.plumbing.settings import AttributionSettings, Settings
from generator.stages.attribute import baseline_sample, compute_attributions
from generator.stages.data import load_dataset, to_model_input
from generator.stages.keras_archive import load_keras
from generator.stages.model import evaluate
from generator.stages.selection import attribution_requests, select_examples
from generator.stages.whole_test_set import attribute_whole_test_set

dataset, model, settings = load_dataset(), load_keras(sys.argv[1]), Settings()
evaluation = evaluate(model, dataset)
selection = select_examples(dataset.y_test, evaluation.predictions, evaluation.confidences, evaluation.margins,
                            settings.selection.per_class, settings.selection.max_misclassified)
index, target, contrast_rows = attribution_requests(selection, dataset.y_test, evaluation.predictions)
grad_fn = GradientFunction(model)
images = to_model_input(dataset.x_test[index])
baselines = to_model_input(dataset.x_train[baseline_sample(len(dataset.x_train), 1000, settings.seed)])
quiet = lambda line: None
compute_attributions(grad_fn, images[:8], index[:8], target[:8], np.zeros((0, 2), int), AttributionSettings(steps=8),
                     0, baselines, quiet)  # trace the compiled functions first
start = time.perf_counter()
arrays = compute_attributions(grad_fn, images, index, target, contrast_rows, settings.attribution, settings.seed,
                              baselines, quiet)
stage = time.perf_counter() - start
errors = np.concatenate([arrays.ig.relative_error, arrays.contrast.relative_error])
test_images = to_model_input(dataset.x_test)
start = time.perf_counter()
whole = attribute_whole_test_set(grad_fn, test_images, dataset.y_test, evaluation.predictions, settings.attribution,
                                 quiet)
whole_seconds = time.perf_counter() - start
print(json.dumps({"stage": stage, "rows": len(index), "contrasts": len(contrast_rows),
                  "evaluations": float(arrays.ig.steps.mean()), "median": float(np.median(errors)),
                  "max": float(errors.max()), "whole": whole_seconds,
                  "whole_median": float(np.median(whole.relative_error))}))
'''


def run(checkout: Path, model: str) -> dict:
    """The numbers CHILD prints, run on ``checkout`` in a fresh process."""
    done = subprocess.run([sys.executable, "-c", CHILD, model], cwd=checkout, capture_output=True, text=True,
                          env={"PYTHONPATH": str(checkout), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2"})
    if done.returncode:
        sys.exit(f"{checkout}: {done.stderr.strip().splitlines()[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    arguments = parser(__doc__)
    arguments.add_argument("model", help="the .keras model whose published rows are attributed")
    arguments.add_argument("before", nargs="?", default="9198c37^", help="the earlier revision (default %(default)s)")
    options = arguments.parse_args()
    report_machine()
    model = str(Path(options.model).resolve())
    with revision_checkout(options.before) as old:
        results: dict[str, list[dict]] = {"before": [], "now": []}
        for _ in range(3):
            results["before"].append(run(old, model))
            results["now"].append(run(ROOT, model))
    best = {name: (min(r["stage"] for r in runs), min(r["whole"] for r in runs), runs[0])
            for name, runs in results.items()}
    for name, (stage, whole, r) in best.items():
        print(f"{name}: attributions stage {stage:.1f} s ({r['rows']} rows, {r['contrasts']} contrast maps; IG "
              f"{r['evaluations']:.1f} gradient evaluations per map, completeness median {r['median']:.3%}, max "
              f"{r['max']:.3%}); whole test set {whole:.1f} s (completeness median {r['whole_median']:.3%})")
    print(f"attributions stage {best['before'][0] / best['now'][0]:.2f}× as fast, whole test set "
          f"{best['before'][1] / best['now'][1]:.2f}× as fast (best of 3 alternating rounds)")


if __name__ == "__main__":
    main()
