"""Benchmarks of Gradient Gallery: measurements for docs/performance.md, not part of the package.

Run each from the checkout's top folder (``python -m benchmarks.NAME --help`` says what it
measures and takes); every one prints the machine it ran on first (:mod:`benchmarks.common`).

- ``against``: a cold build and rebuilds of this checkout against an earlier revision;
- ``rebuild``: a cold build against a rebuild with nothing changed, and the built site's weight;
- ``evidence``: what Expected Gradients, the baseline study and the decoy check cost in a cold build;
- ``training``: training time and accuracy of the default against the settings it replaced;
- ``attributions``: the attributions stage and the whole-test-set pass against an earlier revision;
- ``peers``: Integrated Gradients against Xplique and PAIR ``saliency`` at equal accuracy;
- ``model_cache``: a public function given a Keras model against a prebuilt gradient function;
- ``path_pieces``: the linear pieces of the report CNN's path gradient;
- ``expected_gradients``: Expected Gradients' draw schemes against a converged reference;
- ``eg_level``: Expected Gradients' estimators against the completeness level the site states;
- ``smoothgrad``: SmoothGrad's noise schemes against a converged reference.

``gradient-gallery bench`` (:mod:`generator.bench`) is the engine's own benchmark and ships with
the tool; these do not (``pyproject.toml`` packages ``generator`` only).
"""
