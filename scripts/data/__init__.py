"""Address tables for measuring the geocoder: the accuracy harness
(``python -m scripts.data.accuracy``), its table from the real county layers, and the
synthetic county-sized table the benchmark and the harness share."""
