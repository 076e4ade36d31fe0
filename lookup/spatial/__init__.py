"""Point -> precinct: the grid index that serves; reference trees for tests and the benchmark."""
