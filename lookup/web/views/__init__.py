"""The routes: each view parses its parameters, calls the service and encodes the answer."""
