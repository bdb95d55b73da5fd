"""The method catalogue (``generator.methods``): what derives from it, its extension points, and a
toy method enrolled from outside the package that a quick build then shows everywhere the
methods are listed ("adding a method: one function, one catalogue entry, one Methods page")."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers.project import copy_project, run_build
from generator import methods as catalogue
from generator.methods import CATALOGUE, PLUGINS_VARIABLE, Method, enrolled, keys, methods

TOY_MODULE = '''
import numpy as np

from generator.methods import Method


def input_itself(request):
    """The input as its own map: a method that reads no gradient at all."""
    return np.array(request.images, dtype=np.float32)


TOY = Method("toy_input", "Input itself", "Input", "toy", "the input itself", "units", False, input_itself,
             "tab:pink", "-", "x")
'''


def toy(key: str = "toy_input", tile: str = "toy") -> Method:
    return Method(key, "Input itself", "Input", tile, "the input itself", "units", False,
                  lambda request: np.array(request.images, dtype=np.float32), "tab:pink", "-", "x")


def test_keys_tiles_and_titles_are_unique():
    for field in ("key", "tile", "title", "short"):
        values = [getattr(m, field) for m in CATALOGUE]
        assert len(set(values)) == len(values), field


def loaded_after(imports: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has loaded after ``import {imports}``."""
    code = f"import sys, {imports}; print(' '.join(m for m in {modules!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_importing_the_catalogue_loads_neither_the_engine_nor_tensorflow():
    assert loaded_after("generator.methods", ("tensorflow", "keras", "generator.attributions")) == []
    presentation = "generator.figures.method_colours, generator.figures.trust, generator.pages.gallery"
    assert loaded_after(presentation, ("tensorflow", "keras")) == []


def test_channels_are_reduced_as_the_methods_pages_say():
    """Saliency is the largest |∂f/∂x| over channels (its function repeats it over C, so the
    catalogue takes the max, not the sum); every other method is summed over channels, where the
    completeness of IG, EG and gradient × input holds."""
    from generator.attributions.saliency import saliency_from_gradient

    assert {m.key: m.reduce for m in CATALOGUE} == {m.key: "max" if m.key == catalogue.SALIENCY else "sum"
                                                     for m in CATALOGUE}
    grads = np.random.default_rng(0).normal(size=(2, 4, 5, 3)).astype(np.float32)
    saliency = catalogue.method(catalogue.SALIENCY).reduced(saliency_from_gradient(grads))
    np.testing.assert_array_equal(saliency, np.abs(grads).max(axis=-1))
    np.testing.assert_allclose(catalogue.method(catalogue.GRADIENT).reduced(grads), grads.sum(axis=-1))


def test_enrolled_adds_a_method_for_the_block_only():
    with enrolled(toy()) as extended:
        assert extended[-1].key == "toy_input" and keys()[-1] == "toy_input"
        assert catalogue.method("toy_input").tile == "toy"
    assert keys() == tuple(m.key for m in CATALOGUE)
    with pytest.raises(KeyError, match="toy_input"):
        catalogue.method("toy_input")


def test_a_method_cannot_take_a_key_or_tile_already_used():
    with pytest.raises(ValueError, match="clashes"):
        with enrolled(toy(key=CATALOGUE[0].key)):
            pass
    with pytest.raises(ValueError, match="clashes"):
        with enrolled(toy(tile=CATALOGUE[-1].tile)):
            pass
    assert methods() == CATALOGUE


def test_the_lists_of_methods_follow_the_catalogue():
    from generator.stages.manifest import npz_keys
    from generator.stages.published import row_maps

    with enrolled(toy()):
        assert npz_keys()[3:3 + len(methods())] == keys()
        assert row_maps() == ("image", *keys())
        assert catalogue.prose_list().endswith(", the input itself")
        assert catalogue.fingerprint().endswith(",toy_input")


def test_the_plugin_variable_names_methods_outside_the_package(tmp_path, monkeypatch):
    (tmp_path / "toy_plugin.py").write_text(TOY_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(PLUGINS_VARIABLE, "toy_plugin:TOY")
    assert keys()[-1] == "toy_input"
    monkeypatch.setenv(PLUGINS_VARIABLE, "toy_plugin:input_itself")
    with pytest.raises(TypeError, match=PLUGINS_VARIABLE):
        methods()
    monkeypatch.delenv(PLUGINS_VARIABLE)
    assert methods() == CATALOGUE


@pytest.mark.slow
def test_a_toy_method_joins_every_list_of_a_quick_build(tmp_path, monkeypatch):
    """A quick build (decoy check on) with a toy method ("the input itself") named in the plug-in
    variable: its maps are published, its tiles drawn, and its column, trust, decoy and
    baseline-study rows and its mention on the home and build pages written."""
    project = copy_project(tmp_path)
    (project / "toy_plugin.py").write_text(TOY_MODULE, encoding="utf-8")
    monkeypatch.setenv(PLUGINS_VARIABLE, "toy_plugin:TOY")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (str(project), os.environ.get("PYTHONPATH")))))
    (project / "decoy.toml").write_text("[decoy]\nenabled = true\n", encoding="utf-8")  # --quick leaves it out
    result = run_build(project, "--quick", "--config", "decoy.toml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    docs, site = project / "site_src", project / "site"

    with np.load(site / "data" / "attributions.npz") as arrays:
        np.testing.assert_array_equal(arrays["toy_input"], arrays["image"])  # the map is the input itself
        names = [name.removesuffix(".npy") for name in arrays.files]
        rows = set(zip(arrays["index"].tolist(), arrays["target"].tolist()))
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    listed = manifest["attribution"]["arrays"]
    assert listed == names and listed.index("toy_input") == listed.index("expected_gradients") + 1

    tiles = docs / "figures" / "tiles"
    shown = {(int(m[1]), int(m[2])) for m in (re.match(r"(\d+)-(\d+)-ig\.webp", p.name) for p in tiles.iterdir()) if m}
    assert shown and shown <= rows
    for test_index, target in shown:
        assert (tiles / f"{test_index:05d}-{target}-toy.webp").is_file()
    assert (tiles / "scale-toy.webp").is_file()

    class_page = next(page for page in sorted((docs / "classes").glob("class-*.md")) if "-toy.webp" in page.read_text())
    assert "Input itself" in class_page.read_text(encoding="utf-8")
    home = (docs / "index.md").read_text(encoding="utf-8")
    assert "seven attribution maps" in home and "Expected Gradients, the input itself) computed on" in home
    trust = (docs / "trust.md").read_text(encoding="utf-8")
    assert trust.count("Input itself") >= 3  # the verdicts, the randomisation and the curves tables
    assert "Input itself" in (docs / "decoy.md").read_text(encoding="utf-8")
    assert "Input itself" in (docs / "methods" / "baselines.md").read_text(encoding="utf-8")  # its black share
    assert "Expected Gradients, the input itself; for mistakes" in home  # the Maps row of the build summary

