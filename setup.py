"""Packaging hook: a wheel carries the site configuration, templates and hand-written pages.

The top-level mkdocs.yml, templates/ and site_src/ stay the source of truth; building a wheel
copies them (and the Pages workflow) into generator/defaults/, chosen by
generator/publish/layout.py, so an installed gradient-gallery works in any directory.
Everything else about the package is in pyproject.toml.
"""

import runpy
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        layout = runpy.run_path(str(HERE / "generator" / "publish" / "layout.py"))
        target = Path(self.build_lib) / "generator" / layout["PACKAGED"]
        for source, relative in layout["packaged_files"](HERE):
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)


setup(cmdclass={"build_py": BuildWithDefaults})
