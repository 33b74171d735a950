"""The package version, read by `pyproject.toml` too (written once)."""

VERSION = "0.1.0"
