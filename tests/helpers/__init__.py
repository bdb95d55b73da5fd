"""Builders shared by the test modules: tiny models with closed-form answers, synthetic results,
small projects and sites, and the browser plugin. Test modules import from here, never from
each other; fixtures used in several folders are registered in ``tests/conftest.py``."""
