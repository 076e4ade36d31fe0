"""Tools around the product, run as modules from the repository root: the demo county
generator, the launcher of ``lookup serve`` (``harness``) and the local PostgreSQL and
Redis (``local_servers``) that tests and tools share, the benchmark (``bench``), the load
test (``load``), the accuracy harness (``data``) and the screenshots (``docs``)."""
