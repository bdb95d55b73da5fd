"""The trust page's words that depend on the number of classes: the random-label network's chance, 1/K."""

import pytest

from generator.pages.render import render_all
from generator.pages.trust import trust_context
from generator.stages.trust import summarise
from tests.helpers.pages import TEMPLATES
from tests.helpers.trust import synthetic_evidence


@pytest.mark.parametrize("classes, chance", [(2, "50%"), (10, "10%"), (20, "5%"), (1000, "0.1%")])
def test_the_random_label_network_is_compared_with_chance_one_in_k(tmp_path, classes, chance):
    trust = summarise(synthetic_evidence(), seed=0)
    render_all({"trust.md": ("trust.md.j2", trust_context(trust, classes=classes))}, TEMPLATES, tmp_path)
    page = (tmp_path / "trust.md").read_text(encoding="utf-8")
    assert f"accurate, where chance is {chance}." in page
