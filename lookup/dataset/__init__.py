"""The dataset: its immutable model (``model``), the on-disk form of one version (``codec``,
``columns``), which version is live (``publish``, under ``lock`` while a refresh writes;
``holder`` in the service) and the demo county (``demo``)."""
