"""Training time and test accuracy of the default model against the settings it replaced, and
of the levers that did not help, each trained from an empty cache, one after the other, in one run.

    python -m benchmarks.training
"""

import tempfile
import time

from benchmarks.common import parser, report_machine

CONFIGS = (
    ("before: 4 epochs, batch 128, constant 1e-3",
     {"train": {"epochs": 4, "batch_size": 128, "learning_rate": 1e-3, "schedule": "constant"}}),
    ("default: 2 epochs, batch 128, warm-up and cosine to a 5e-3 peak", {}),
    ("2 epochs, batch 256, 5e-3 peak", {"train": {"batch_size": 256}}),
    ("2 epochs, batch 256, 1e-2 peak", {"train": {"batch_size": 256, "learning_rate": 1e-2}}),
    ("2 epochs, batch 512, 1e-2 peak", {"train": {"batch_size": 512, "learning_rate": 1e-2}}),
)


def main() -> None:
    from generator.plumbing.settings_file import load_settings
    from generator.stages.data import load_dataset
    from generator.stages.model import evaluate, train_model

    parser(__doc__).parse_args()
    report_machine()
    dataset = load_dataset()
    for name, overrides in CONFIGS:
        with tempfile.TemporaryDirectory() as cache:
            settings = load_settings(overrides={**overrides, "output": {"cache_dir": cache}}, pyproject=None,
                                     project_settings=None)
            start = time.perf_counter()
            trained = train_model(dataset, settings, log=lambda line: None)
            seconds = time.perf_counter() - start
            print(f"{name}: {seconds:.1f} s, test accuracy {evaluate(trained.model, dataset).accuracy:.2%}", flush=True)


if __name__ == "__main__":
    main()
