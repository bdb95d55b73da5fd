"""The report's figure jobs for any K: class means only for the classes with a class page."""

from types import SimpleNamespace

import numpy as np

from generator.figures.report import report_jobs
from generator.stages.gallery import build_gallery
from tests.helpers.pages import synthetic_example


def _means_drawn(paged):
    examples = [synthetic_example(10 + k, k, k, 0.9) for k in range(4)]
    gallery = build_gallery(examples, np.zeros(20), 4, paged=paged)
    whole = SimpleNamespace(means=[SimpleNamespace(label=k) for k in range(4)])
    jobs, figures = report_jobs(gallery, SimpleNamespace(confusion=np.eye(4, dtype=int)), None, whole, "0123")
    return sorted(figures.means), sorted(job.path for job in jobs if job.path.startswith("figures/means/"))


def test_class_means_are_drawn_for_the_classes_with_pages():
    assert _means_drawn(paged=None) == ([0, 1, 2, 3], [f"figures/means/class-{k}.svg" for k in range(4)])
    assert _means_drawn(paged=(0, 3)) == ([0, 3], ["figures/means/class-0.svg", "figures/means/class-3.svg"])
