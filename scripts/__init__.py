"""Tools around the product: the demo county generator, benchmarks, load tests, the accuracy
harness and the local servers they start. Importable (``scripts.harness``) by the tests."""
