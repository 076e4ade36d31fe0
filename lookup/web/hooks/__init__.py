"""Request hooks: rate limits, the request log, metrics and insight counting."""
