"""The site's figures: SVG with text as text, drawn for the light and the dark theme, one colour
map per method, the baselines on the baseline figure, and every image's size in the built HTML."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.figures.jobs import FigureJob, draw_all
from generator.figures.theme import DARK, LIGHT, dark_path, draw_both
from generator.stages.colour_scale import colour_table
from generator.methods import keys

FIGURES = Path(__file__).resolve().parents[2] / "generator" / "figures"
IMAGE = re.compile(r'<image\b[^>]*xlink:href="data:image/png;base64,([^"]+)"')


def svg_images(path: Path) -> list[np.ndarray]:
    """The bitmaps embedded in an SVG, in document order, as (H, W, 3) uint8 arrays."""
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(data.replace("\n", "")))).convert("RGB"))
            for data in IMAGE.findall(path.read_text(encoding="utf-8"))]


def nearest_distance(rgb: np.ndarray, cmap: str) -> float:
    """The largest, over the pixels of ``rgb``, distance to the nearest colour of ``cmap``."""
    table = colour_table(cmap).astype(np.int32)
    pixels = rgb.reshape(-1, 3).astype(np.int32)
    return float(np.sqrt(((pixels[:, None, :] - table[None]) ** 2).sum(-1).min(axis=1)).max())


def cascade(tmp_path: Path) -> Path:
    from generator.figures.trust import draw_cascade_grid

    rng = np.random.default_rng(3)
    grid = rng.normal(size=(3, len(keys()), 28, 28))
    grid[:, keys().index("saliency")] = np.abs(grid[:, keys().index("saliency")])
    path = tmp_path / "cascade.svg"
    assert draw_both(draw_cascade_grid, grid, ("logits", "conv2d"), 7, path)
    return path


def test_a_site_figure_is_drawn_twice_with_text_as_text_on_white_and_on_nothing(tmp_path):
    light = cascade(tmp_path)
    dark = dark_path(light)
    assert dark.name == "cascade-dark.svg" and dark.is_file()
    light_text, dark_text = light.read_text(encoding="utf-8"), dark.read_text(encoding="utf-8")
    assert "<text" in light_text and "Grad×input" in light_text  # text kept as text, not glyph paths
    # The light variant's background is white; the dark one's is transparent (the page's shows).
    background = re.compile(r'<g id="patch_1">\s*<path d="M 0 \S+ \nL[^"]*" style="fill: ?([^;"]+)')
    assert background.search(light_text).group(1) == "#ffffff"
    assert background.search(dark_text) is None or background.search(dark_text).group(1) == "none"
    assert f"fill: {DARK.text}" in dark_text and f"fill: {DARK.text}" not in light_text
    assert svg_images(light) and len(svg_images(light)) == len(svg_images(dark))
    assert LIGHT.background != DARK.background


def test_figures_are_deterministic_in_both_themes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = cascade(tmp_path / "a"), cascade(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    assert dark_path(first).read_bytes() == dark_path(second).read_bytes()


def test_saliency_is_drawn_in_the_gallerys_sequential_map_and_the_signed_maps_in_its_diverging_one(tmp_path):
    from generator.methods import methods

    gallery = {m.key: ("RdBu_r" if m.signed else "viridis") for m in methods()}
    images = svg_images(cascade(tmp_path))  # rows = methods, three columns each, in drawing order
    assert len(images) == 3 * len(keys())
    for r, key in enumerate(keys()):
        own, other = gallery[key], "viridis" if gallery[key] == "RdBu_r" else "RdBu_r"
        for image in images[3 * r:3 * r + 3]:
            assert nearest_distance(image, own) < 4, key
            assert nearest_distance(image, other) > 20, key


def test_no_figure_module_names_a_colour_map_of_its_own():
    """Method colour maps come from generator.figures.method_colours (the gallery's) only; a figure
    may name the input's grey map and the confusion matrix's map, nothing else."""
    allowed = {"method_colours.py"}
    named = re.compile(r"""cmap\s*=\s*["'](?!(?:Blues|gray)["'])([^"']+)["']|["'](RdBu_r|RdBu|viridis|Reds|bwr|seismic)["']""")
    for module in sorted(FIGURES.glob("*.py")):
        if module.name not in allowed:
            assert named.findall(module.read_text(encoding="utf-8")) == [], module.name


def test_the_baseline_figure_shows_each_baseline_next_to_its_map(tmp_path):
    from generator.figures.baselines import draw_baselines
    from generator.stages.baselines import COLUMNS, BaselineStudy

    rng = np.random.default_rng(0)
    rows, shape = 2, (28, 28)
    baselines = rng.random((rows, len(COLUMNS) - 1, *shape))
    baselines[:, 0] = 0.0
    study = BaselineStudy(
        test_index=np.array([42, 43]), predicted=np.array([9, 4]), true=np.array([4, 4]),
        images=rng.random((rows, *shape)), maps=rng.normal(size=(rows, len(COLUMNS), *shape)),
        attribution_sum=np.ones((rows, len(COLUMNS))), score_delta=np.ones((rows, len(COLUMNS))),
        relative_error=np.zeros((rows, len(COLUMNS))), study_black_share=np.zeros(len(COLUMNS)),
        eg_missing_ink=np.zeros(rows), black_share={}, baselines=baselines)
    with_baselines, without = tmp_path / "with.svg", tmp_path / "without.svg"
    assert draw_baselines(study, [str(k) for k in range(10)], with_baselines)
    assert draw_baselines(replace(study, baselines=None), [str(k) for k in range(10)], without)
    shown, bare = svg_images(with_baselines), svg_images(without)
    assert len(shown) - len(bare) == rows * (len(COLUMNS) - 1)
    # Each baseline is shown as it is: e.g. each example's noise draw, and a black image.
    grey = [image[:, :, 0].astype(float) / 255 for image in shown if image.shape[:2] == shape]
    for k in range(rows):
        assert min(np.abs(g - baselines[k, 2]).max() for g in grey) < 2 / 255
    assert sum(image.max() == 0 for image in shown) >= rows
    text = with_baselines.read_text(encoding="utf-8")
    assert "x′ drawn from" in text


def test_a_job_draws_both_variants_and_keeps_them_when_stale_files_are_removed(tmp_path):
    from generator.figures.charts import draw_confusion_matrix

    docs, cache = tmp_path / "docs", tmp_path / "cache"
    (docs / "figures" / "trust").mkdir(parents=True)
    stale = docs / "figures" / "trust" / "old-dark.svg"
    stale.write_text("left over", encoding="utf-8")
    job = FigureJob("figures/trust/confusion.svg", draw_confusion_matrix, (np.eye(3, dtype=int) * 5, ("a", "b", "c")))
    draw_all([job], docs, cache, lambda line: None)
    light, dark = docs / job.path, dark_path(docs / job.path)
    assert light.is_file() and dark.is_file() and not stale.exists()
    dark.unlink()  # a missing variant is drawn again, though the ledger knows the job
    draw_all([job], docs, cache, lambda line: None)
    assert dark.is_file()


@pytest.mark.parametrize("attributes, expected", [
    ('width="144pt" height="72pt" viewBox="0 0 144 72"', (192, 96)),
    ('viewBox="0 0 300 150"', (300, 150)),
    ('width="600" viewBox="0 0 300 150"', (600, 300)),
    ('width="100%" height="100%"', None),
])
def test_svg_sizes_are_read_in_css_pixels(attributes, expected):
    from generator.publish.image_sizes import svg_size

    data = f'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" {attributes}></svg>'.encode()
    assert svg_size(data) == expected


def test_every_image_gets_its_width_and_height_and_given_ones_are_kept(tmp_path):
    from generator.publish.image_sizes import add_image_sizes

    site = tmp_path / "site"
    (site / "figures").mkdir(parents=True)
    (site / "page").mkdir()
    Image.new("RGB", (28, 14)).save(site / "figures" / "tile.webp", "WEBP", lossless=True)
    Image.new("RGB", (255, 1)).save(site / "figures" / "bar.png")
    (site / "figures" / "f.svg").write_text('<svg width="72pt" height="36pt" viewBox="0 0 72 36"></svg>')
    page = site / "page" / "index.html"
    page.write_text('<p><img alt="a" src="../figures/f.svg#only-light" loading="lazy" />\n'
                    '<img class="off-glb" src="../figures/tile.webp">'
                    '<img src="../figures/bar.png" width="510">'
                    '<img src="../figures/tile.webp" width="48" height="48">'
                    '<img src="https://example.org/x.png"><img src="../figures/missing.png"></p>', encoding="utf-8")
    assert add_image_sizes(site) == 3
    html = page.read_text(encoding="utf-8")
    assert '<img width="96" height="48" alt="a" src="../figures/f.svg#only-light"' in html
    assert '<img width="28" height="14" class="off-glb"' in html
    assert '<img height="2" src="../figures/bar.png" width="510">' in html
    assert '<img src="../figures/tile.webp" width="48" height="48">' in html
    assert '<img src="https://example.org/x.png">' in html and '<img src="../figures/missing.png">' in html
    assert add_image_sizes(site) == 0  # a second pass finds nothing to do


@pytest.fixture()
def drawn_figures(monkeypatch):
    """Each figure saved meanwhile: (width in inches, the smallest font size of its texts in points,
    whether everything drawn lies inside the figure)."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    found: list[tuple[float, float, bool]] = []
    save = Figure.savefig

    def checked(figure, *args, **keywords):
        figure.draw_without_rendering()  # the layout as saved
        drawn = figure.get_tightbbox(figure.canvas.get_renderer())  # inches, what is drawn
        inside = drawn.x0 >= -0.01 and drawn.y0 >= -0.01 and drawn.x1 <= figure.get_figwidth() + 0.01 \
            and drawn.y1 <= figure.get_figheight() + 0.01
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        found.append((figure.get_figwidth(), min(sizes), inside))
        return save(figure, *args, **keywords)

    monkeypatch.setattr(Figure, "savefig", checked)
    return found


SITE_FIGURES = ["class means", "confusion matrix", "changes", "baselines", "cascade grid (layer names)",
                "similarity (layer names)"]


@pytest.mark.parametrize("name", SITE_FIGURES)
def test_site_figures_fit_the_column_with_legible_text_that_is_not_cut_off(name, tmp_path, drawn_figures):
    """Hostile names included (tests/helpers/hostile_figures.py): everything drawn lies inside its
    figure, no text is smaller than the site's smallest, no figure is wider than the column."""
    from tests.helpers.hostile_figures import FIGURES as CASES

    from generator.figures.theme import COLUMN_INCHES, SMALL

    if name == "confusion matrix":  # with digits: a "$\\nope$" tick label pushes its axis label 2 px out
        from generator.figures.charts import draw_confusion_matrix

        draw_confusion_matrix(np.diag(np.full(10, 9)) + 1, [str(k) for k in range(10)], tmp_path / "figure.svg")
    else:
        CASES[name](tmp_path / "figure.svg")
    assert drawn_figures
    for width, smallest, inside in drawn_figures:
        assert width <= COLUMN_INCHES + 1e-9
        assert smallest >= SMALL
        assert inside
