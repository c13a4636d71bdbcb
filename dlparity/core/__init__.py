"""The core: what every framework package imports, and nothing above it."""
