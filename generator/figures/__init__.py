"""Every drawing: typed results in, image files out, in one job list (see jobs.py)."""
