"""Readers of every file a county or the State Board publishes: one module per format."""
