"""What the tests share that is not a fixture: paths, servers, builders, fake remote services."""
