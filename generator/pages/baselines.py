"""The "Choosing a baseline" page: the baseline study's numbers as ready-made strings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from generator.figures.baselines import BASELINES_FIGURE, COLUMN_TITLES, row_title
from generator.figures.trust import TITLES
from generator.pages.markdown_text import escape_markdown, href, listed
from generator.plumbing.numbers import percent
from generator.stages.baselines import BaselineStudy
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

PAGE = "methods/baselines.md"
TEMPLATE = "baselines.md.j2"


def baselines_context(study: BaselineStudy, names: Sequence[str], maps: int, *, mnist: bool,
                      score: ScoreWords = LOGIT_WORDS) -> dict[str, Any]:
    """Strings and links for templates/baselines.md.j2; ``maps`` counts the published maps, ``mnist``
    says whether the data is MNIST (whose digits the page may then use as an example), ``score``
    names what the maps are of."""
    shares = study.black_share
    blind = [TITLES[k] for k, v in shares.items() if v == 0]
    seeing = [f"{TITLES[k]} {percent(v, 1)}" for k, v in shares.items() if v > 0]
    columns = [title.replace("\n", " ") for title in COLUMN_TITLES]
    ig_errors = study.relative_error[:, :-1]
    eg_errors = study.relative_error[:, -1]
    return {
        "figure": href(BASELINES_FIGURE, PAGE),
        "maps": f"{maps:,}",
        "shares": [{"method": TITLES[k], "share": percent(v, 1)} for k, v in shares.items()],
        "blind": listed(blind) if blind else "",
        "seeing": listed(seeing) if seeing else "",
        "examples": [{"title": escape_markdown(row_title(study, k, names, score)),
                      "missing_ink": percent(float(study.eg_missing_ink[k]), 1),
                      "towards": escape_markdown(str(names[int(study.predicted[k])])),
                      "mistake": bool(study.predicted[k] != study.true[k])}
                     for k in range(len(study.test_index))],
        "study": [{"column": c, "share": percent(v, 1)} for c, v in zip(columns, study.study_black_share)],
        "ig_max_error": percent(float(np.max(ig_errors))) if ig_errors.size else "—",
        "eg_errors": (f"{percent(float(np.min(eg_errors)))} to {percent(float(np.max(eg_errors)))}"
                      if eg_errors.size else "—"),
        "integrated_gradients_href": href("methods/integrated-gradients.md", PAGE),
        "expected_gradients_href": href("methods/more-methods.md", PAGE) + "#expected-gradients",
        "mnist": mnist,
        "score": score.noun,
    }
