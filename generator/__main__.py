"""``python -m generator`` is the ``gradient-gallery`` command."""

from generator.cli import main

raise SystemExit(main())
