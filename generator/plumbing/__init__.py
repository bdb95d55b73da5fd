"""Shared plumbing: settings, errors, number formats, caches, files, the build lock, processes."""
