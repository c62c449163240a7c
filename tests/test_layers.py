"""Structure checks: the import layers of the signal-processing code, and one source of truth per default."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import callcheck
from callcheck import config as cfg_mod

ROOT = Path(callcheck.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative imports resolved inside callcheck)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    pkg = ".".join(("callcheck",) + path.relative_to(ROOT).parent.parts)
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


@pytest.mark.parametrize("layer,forbidden", [
    ("audio", ("callcheck.measures", "callcheck.rules", "callcheck.report", "callcheck.text")),
    ("dsp", ("callcheck.audio", "callcheck.measures", "callcheck.rules", "callcheck.report", "callcheck.text",
             "callcheck.config", "callcheck.intervals")),
])
def test_lower_layers_do_not_import_upper_ones(layer, forbidden):
    files = sorted((ROOT / layer).glob("*.py"))
    assert files
    bad = [(f.name, m) for f in files for m in sorted(_imports(f))
           if any(m == x or m.startswith(x + ".") for x in forbidden)]
    assert not bad, f"callcheck/{layer} must not import these (they sit above it): {bad}"


def _config_defaults() -> dict[str, set]:
    """Config field name -> the set of its defaults over all sections."""
    out: dict[str, list] = {}
    for section in dataclasses.fields(cfg_mod.Config):
        for f in dataclasses.fields(section.default_factory()):
            out.setdefault(f.name, []).append(f.default)
    return out


def _functions():
    for pkg in ("callcheck.audio", "callcheck.measures", "callcheck.dsp"):
        for info in pkgutil.iter_modules(importlib.import_module(pkg).__path__):
            mod = importlib.import_module(f"{pkg}.{info.name}")
            for name, obj in vars(mod).items():
                if inspect.isfunction(obj) and obj.__module__ == mod.__name__:
                    yield f"{mod.__name__}.{name}", obj


def test_no_function_default_diverges_from_the_config():
    """A parameter named like a config field either has no default (the caller passes the config
    value) or has exactly the config's default; a name with different defaults in two config
    sections (e.g. ``min_segment_s``) must have none."""
    defaults = _config_defaults()
    bad = []
    checked = 0
    for qual, fn in _functions():
        for p in inspect.signature(fn).parameters.values():
            if p.default is inspect.Parameter.empty or p.name not in defaults:
                continue
            checked += 1
            values = defaults[p.name]
            if len(set(map(repr, values))) > 1 or p.default != values[0]:
                bad.append(f"{qual}({p.name}={p.default!r}) vs config {values}")
    assert not bad, "defaults that diverge from the config (make them required keyword-only): " + "; ".join(bad)
    assert checked >= 1  # the check sees the remaining config-named defaults (hop_s of the timebase)
