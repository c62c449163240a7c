"""The fuzz corpus: a deterministic generator of damaged and unusual inputs (generate.py), its runner (run.py) and a memory probe (memory.py)."""
