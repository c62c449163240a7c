"""Developer tools of callcheck (not installed with the package)."""
