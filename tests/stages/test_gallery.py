"""The gallery stage's layout for any K: which classes get pages, and where the others' examples go."""

import numpy as np

from generator.stages.gallery import CLASS_PAGE_LIMIT, build_gallery, paged_classes, tile_jobs
from tests.helpers.pages import synthetic_example


def test_up_to_the_limit_every_class_has_pages():
    assert paged_classes(np.diag(np.full(CLASS_PAGE_LIMIT, 5))) == tuple(range(CLASS_PAGE_LIMIT))
    assert paged_classes(np.eye(2, dtype=int)) == (0, 1)


def test_above_the_limit_the_most_confused_classes_have_pages_ties_by_index():
    confusion = np.diag(np.full(6, 10))
    confusion[5, 0], confusion[1, 2], confusion[3, 2], confusion[4, 1] = 7, 2, 2, 1
    # Mistakes as true class: 0, 2, 0, 2, 1, 7 → the three most: 5 (7), then 1 and 3 (2 each).
    assert paged_classes(confusion, limit=3) == (1, 3, 5)
    # A column (mistakes as predicted class) does not count.
    assert paged_classes(confusion.T, limit=1) == (0,)


def test_examples_of_classes_without_pages_are_kept_and_their_tiles_drawn():
    examples = [synthetic_example(10 + k, k, k, 0.9) for k in range(4)] + [synthetic_example(3, 2, 0, 0.8)]
    gallery = build_gallery(examples, np.zeros(20), 4, paged=(0, 3))
    assert [p.page for p in gallery.pages] == ["classes/class-0.md", "classes/class-3.md"]
    assert [e.test_index for e in gallery.unpaged] == [11, 3, 12]  # true class order, then index
    drawn = {path for path, *_ in tile_jobs(gallery)}
    assert {f"figures/tiles/{i:05d}-input.webp" for i in (10, 11, 12, 13, 3)} <= drawn
    assert build_gallery(examples, np.zeros(20), 4).unpaged == ()
