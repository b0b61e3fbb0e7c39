"""The diplomatic statements archive."""

__version__ = "0.1.0"
