"""Address text -> a point: parse, normalise, match the address points, interpolate, ask remotes."""
