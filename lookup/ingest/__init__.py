"""The refresh, in data-path order: formats -> assemble -> validate -> changes -> publish."""
