"""Whole files of addresses or coordinates answered at once: locally or on a Dask cluster."""
