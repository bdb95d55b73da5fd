"""The computing stages: data, model, selection, attributions, gallery layout, mathematics, changes.

Each stage takes typed inputs and returns typed results (see results.py); none draws or writes pages."""
