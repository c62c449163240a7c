"""Measures: pure functions, one module per measure (voice, turns, overlaps, greeting, ...)."""
