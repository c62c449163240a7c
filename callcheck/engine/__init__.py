"""Engines that analyse the calls of a batch: ``local`` (processes on this machine,
:func:`callcheck.batch.run_batch`) or ``dask`` (a Dask distributed cluster: workers on any number
of machines, :mod:`callcheck.engine.dask`).

Every engine keeps the batch's guarantees: the driver (the ``callcheck analyze`` process) writes
each record atomically, skips calls whose record is current, shows the progress, turns a bad file
into one line in ``failures.csv`` and stops cleanly on Ctrl-C. The small interface
:func:`run_engine` is what ``run_batch`` calls for an engine other than ``local``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from callcheck.errors import ConfigError

__all__ = ["ENGINES", "DEFAULT_RETRIES", "check_engine", "run_engine"]

#: the engines ``--engine`` accepts
ENGINES = ("local", "dask")
#: a call whose worker process dies is run again on another worker at most this many times
DEFAULT_RETRIES = 2


def check_engine(engine: str, address: str | None, retries: int) -> str:
    """The engine name, checked before any call is analysed (unknown name, missing extra, bad
    ``--retries``, ``--address`` without an engine that uses it): :class:`ConfigError`."""
    name = str(engine or "local").strip().lower()
    if name not in ENGINES:
        hint = " (Ray is not supported: use dask)" if name == "ray" else ""
        raise ConfigError(f"--engine {engine!r} is not one of: {', '.join(ENGINES)}{hint}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"--retries {retries!r} must be a whole number >= 0")
    if name == "local" and address:
        raise ConfigError("--address is the scheduler of a distributed engine; give --engine dask with it")
    if name == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ConfigError("--engine dask needs the Dask extra: pip install 'callcheck[dask]'") from None
    return name


def run_engine(
    engine: str,
    calls: Sequence[Any],
    out_dir: Any,
    *,
    config: Any,
    factory: Callable[[int], Any],
    workers: int,
    address: str | None,
    retries: int,
    record: Callable[[Any], None],
    should_stop: Callable[[], bool],
    notice: Callable[[str], None],
) -> None:
    """Analyse ``calls`` with ``engine``; ``record(outcome)`` once per call it finishes (in this
    process, after the call's record is written); no new call starts once ``should_stop()``."""
    if engine == "dask":
        from callcheck.engine.dask import run_dask

        run_dask(calls, out_dir, config=config, factory=factory, workers=workers, address=address, retries=retries,
                 record=record, should_stop=should_stop, notice=notice)
        return
    raise ConfigError(f"--engine {engine!r} is not one of: {', '.join(ENGINES)}")
