"""The site engine: a strict MkDocs (or Zensical) build, formulas typeset as MathML, the atomic publish."""
