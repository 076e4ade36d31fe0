"""What regenerates the README's pictures (``python -m scripts.docs.screenshots``)."""
