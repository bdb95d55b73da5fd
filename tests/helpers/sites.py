"""Small MkDocs projects like the report's: its scripts, styles, vendored files and a formula."""

import shutil
from pathlib import Path

from tests.helpers.project import ROOT


def small_project(folder: Path, index: str = "# Home\n\nSee [the maths](maths.md).\n\n![A figure](figure.png)\n"
                  ) -> Path:
    """A two-page project like the report: the site's scripts and styles, vendored files, a formula."""
    from generator.publish.vendor import vendor_assets

    docs = folder / "docs"
    shutil.copytree(ROOT / "site_src" / "javascripts", docs / "javascripts")
    shutil.copytree(ROOT / "site_src" / "stylesheets", docs / "stylesheets")
    (docs / "index.md").write_text(index)
    (docs / "maths.md").write_text("# Maths\n\nThe logit $f_t(x)$ and\n\n$$\n\\int_0^1 g(\\alpha)\\, d\\alpha\n$$\n")
    (docs / "figure.png").write_bytes(_tiny_png())
    vendor_assets(docs)
    config = (ROOT / "mkdocs.yml").read_text().split("\nnav:")[0] + "\nnav: [index.md, maths.md]\n"
    config += "\nmarkdown_extensions:" + (ROOT / "mkdocs.yml").read_text().split("\nmarkdown_extensions:")[1]
    (folder / "mkdocs.yml").write_text(config)
    return docs


def _tiny_png() -> bytes:
    import zlib

    raw = b"\x00\xff\x00\x00"  # one red pixel

    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
