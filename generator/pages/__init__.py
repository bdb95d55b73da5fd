"""Typed results to page contexts to Markdown, through one Jinja environment."""
