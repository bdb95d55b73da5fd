"""``python -m generator`` is the ``gradient-gallery`` command."""

from generator.cli import main

if __name__ == "__main__":  # not when a worker process re-imports this module
    raise SystemExit(main())
