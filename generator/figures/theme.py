"""The two palettes every site figure is drawn in: one for the light theme, one for the dark.

A drawing function draws with matplotlib's defaults and asks :func:`theme` for the few colours
it names itself (secondary text, reference lines, callout boxes); :func:`generator.figures.charts.save_figure`
applies the current theme to everything else (text, axes, ticks, legend, background). A figure
job draws each figure twice, the second time inside :func:`drawing_in` ``(DARK)``, into
:func:`dark_path` (see :func:`draw_both`); the page shows the variant of its colour scheme.

The light variant has an opaque white background (the page's own, and readable on the lightbox's
dark backdrop); the dark variant a transparent one, so the page's background shows through.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FONT = 9.0
"""Body text of a site figure, in points. A figure no wider than the content column at 1280 px
(:data:`COLUMN_INCHES`) is shown at 96 px per inch, so a point is 4/3 CSS px: 9 pt = 12 px."""
SMALL = 8.5
"""The smallest text of a site figure (tick labels, notes): 11.3 CSS px at the column's width."""
COLUMN_INCHES = 7.1
"""The widest site figure, in inches: 682 px, within Material's 688 px content column at 1280 px."""
DARK_SUFFIX = "-dark"


@dataclass(frozen=True)
class Theme:
    """The colours of one variant: matplotlib colour specs."""

    name: str
    background: str
    text: str
    muted: str
    """Secondary text (notes, annotations)."""
    faint: str
    """Reference lines, grids, the controls' curves."""
    box: str
    """Face of the callout boxes."""
    missing: str
    """Face of a panel whose map is not finite."""
    mark: str
    """Markers drawn over a map (outlines, pointed pixels)."""

    def rc(self) -> dict[str, Any]:
        """matplotlib settings of this variant (text kept as text in SVG)."""
        return {"svg.fonttype": "none", "figure.facecolor": self.background, "savefig.facecolor": self.background,
                "axes.facecolor": "none", "text.color": self.text, "axes.labelcolor": self.text,
                "axes.titlecolor": self.text, "axes.edgecolor": self.faint, "xtick.color": self.text,
                "ytick.color": self.text, "grid.color": self.faint, "legend.facecolor": self.background,
                "legend.edgecolor": self.faint, "legend.labelcolor": self.text, "legend.framealpha": 0.9,
                "font.size": FONT}


LIGHT = Theme("light", background="white", text="black", muted="0.25", faint="0.55", box="#fffbe6",
              missing="0.92", mark="black")
DARK = Theme("dark", background="none", text="#dcdee4", muted="#b4b8c2", faint="#7c8190", box="#2b2f3a",
             missing="0.3", mark="#f2f2f2")
_current: list[Theme] = [LIGHT]


def theme() -> Theme:
    """The variant being drawn."""
    return _current[-1]


@contextmanager
def drawing_in(variant: Theme) -> Iterator[None]:
    """Draw in ``variant`` inside the block."""
    _current.append(variant)
    try:
        yield
    finally:
        _current.pop()


def dark_path(path: str | Path) -> Path:
    """Where the dark variant of the figure at ``path`` goes: "x.svg" → "x-dark.svg"."""
    path = Path(path)
    return path.with_name(f"{path.stem}{DARK_SUFFIX}{path.suffix}")


def draw_both(draw: Callable[..., bool], *args: Any, **keywords: Any) -> bool:
    """``draw(*args, **keywords)`` (its last argument the path), then the same in :data:`DARK`
    into :func:`dark_path`; whether either file changed."""
    *head, path = args
    light = draw(*head, path, **keywords)
    with drawing_in(DARK):
        dark = draw(*head, dark_path(path), **keywords)
    return light or dark


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters (long words split): figures are
    narrow, and text that does not fit is cut off by the figure's edge."""
    return "\n".join(textwrap.wrap(text, width)) or text


__all__ = ["COLUMN_INCHES", "DARK", "FONT", "LIGHT", "SMALL", "Theme", "dark_path", "draw_both", "drawing_in",
           "theme", "wrap"]
