"""The site engine: a strict MkDocs build, the vendored MathJax, the atomic publish."""
