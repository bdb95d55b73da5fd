"""The "Choosing a baseline" page: the baseline study's numbers as ready-made strings."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from generator.figures.baselines import BASELINES_FIGURE, COLUMN_TITLES, row_title
from generator.figures.trust import title
from generator.pages.markdown_text import escape_markdown, href, listed
from generator.plumbing.numbers import fixed, percent
from generator.stages.baselines import LONG_RUN, BaselineStudy
from generator.stages.checked_maps import EgError
from generator.stages.model_output import LOGIT_WORDS, ScoreWords

PAGE = "methods/baselines.md"
TEMPLATE = "baselines.md.j2"


def baselines_context(study: BaselineStudy, names: Sequence[str], maps: int, *, mnist: bool,
                      score: ScoreWords = LOGIT_WORDS) -> dict[str, Any]:
    """Strings and links for templates/baselines.md.j2; ``maps`` counts the published maps, ``mnist``
    says whether the data is MNIST (whose digits the page may then use as an example), ``score``
    names what the maps are of."""
    shares = study.black_share
    blind = [title(k) for k, v in shares.items() if v == 0]
    seeing = [f"{title(k)} {percent(v, 1)}" for k, v in shares.items() if v > 0]
    columns = [title.replace("\n", " ") for title in COLUMN_TITLES]
    ig_errors = study.relative_error[:, :-1]
    eg_errors = study.relative_error[:, -1]
    counted = study.black_share_maps
    return {
        "figure": href(BASELINES_FIGURE, PAGE),
        "maps": f"{maps:,}",
        "shares": [{"method": title(k), "share": percent(v, 1), "maps": f"{counted.get(k, maps):,}"}
                   for k, v in shares.items()],
        "eg_off": _eg_off(study.eg_errors(), score.noun),
        "candidates": f"{study.candidates:,}" if study.candidates else "",
        "candidates_median": percent(study.candidates_median, 1) if study.candidates else "",
        "draws": f"{study.long_draws // LONG_RUN:,}" if study.long_draws else "",
        "long_draws": f"{study.long_draws:,}" if study.long_draws else "",
        "blind": listed(blind) if blind else "",
        "seeing": listed(seeing) if seeing else "",
        "examples": [{"title": escape_markdown(row_title(study, k, names, score)),
                      "missing_ink": percent(float(study.eg_missing_ink[k]), 1),
                      "towards": escape_markdown(str(names[int(study.predicted[k])])),
                      "mistake": bool(study.predicted[k] != study.true[k]),
                      **_noise_floor(study, k)}
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


def _eg_off(errors: Sequence[EgError], noun: str) -> str:
    """Expected Gradients' completeness errors as the gallery shows them: the range of |ΣEG − Δ| in
    score units (three decimals, as the figure's Σ and Δ), then as a share of each map's Σ|EG|."""
    if not errors:
        return "—"
    absolute = [e.absolute for e in errors]
    text = f"{fixed(min(absolute), 3)} to {fixed(max(absolute), 3)} {noun}"
    of_mass = [e.of_mass for e in errors if math.isfinite(e.of_mass)]
    return text + (f", {percent(min(of_mass))} to {percent(max(of_mass))} of Σ|EG|" if of_mass else "")


def _noise_floor(study: BaselineStudy, k: int) -> dict[str, str]:
    """The floors of example ``k``'s missing-ink share: its EG map's noise, the share read from the
    long run's map and from each of its two halves of draws, and the share of the image's pixels
    that are black ("" when not measured)."""
    noise = None if study.eg_noise is None else float(study.eg_noise[k])
    density = study.black_to_ink_density()
    black = "" if study.black_pixels is None else percent(float(study.black_pixels[k]), 1)
    ratio = "" if density is None or not math.isfinite(density[k]) else fixed(float(density[k]))
    if not study.long_draws or study.eg_missing_ink_long is None or study.eg_missing_ink_halves is None:
        return {"noise": "", "long": "", "halves": "", "black": black, "ratio": ratio}
    first, second = study.eg_missing_ink_halves[k]
    return {"noise": percent(noise, 0) if noise is not None and math.isfinite(noise) else "",
            "long": percent(float(study.eg_missing_ink_long[k]), 1),
            "halves": f"{percent(float(first), 1)} and {percent(float(second), 1)}", "black": black, "ratio": ratio}
