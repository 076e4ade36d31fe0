"""The benchmark (``python -m scripts.bench``): point to precinct, the geocoder, HTTP under
gunicorn, start-up and memory, PostGIS beside the grid index, CPU caches; one module a
part, ``__main__`` runs them and prints the report."""
