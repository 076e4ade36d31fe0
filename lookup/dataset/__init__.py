"""The dataset: its immutable model, its on-disk form, the live version and the demo county."""
