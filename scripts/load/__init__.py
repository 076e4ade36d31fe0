"""The load test (``python -m scripts.load.loadtest``): ``lookup serve`` under wrk."""
