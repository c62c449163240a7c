"""callcheck — quality analysis of recorded telephone-support calls."""

__version__ = "0.1.0"
SCHEMA_VERSION = "1.0"
