"""Work on many calls in worker processes: judging (:mod:`callcheck.judge`) and rendering
(:mod:`callcheck.report.render`) spread their per-call work over fresh processes when there is
enough of it, and keep going in this process when a worker dies."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["CHUNK_ITEMS", "MAX_WORKERS", "PARALLEL_MIN_ITEMS", "default_workers", "in_workers"]

#: work runs in worker processes when at least this many items are to be done (below it, starting
#: the processes costs more than they save)
PARALLEL_MIN_ITEMS = 400
#: items per task of a worker process
CHUNK_ITEMS = 100
#: at most this many worker processes by :func:`default_workers`
MAX_WORKERS = 8


def default_workers() -> int:
    """Worker processes: the CPUs this process may use, at most :data:`MAX_WORKERS`."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, n))


def in_workers(items: list[Any], one: Callable[[Any], Any], chunk_fn: Callable[[list[Any]], list[Any]], workers: int, *,
               min_items: int | None = None, chunk_items: int | None = None,
               initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()) -> Iterator[Any]:
    """``one(item)`` of every item, in order: in this process, or — with ``min_items`` or more items
    and more than one worker — ``chunk_fn`` (a module-level function: ``one`` over a list) over
    ``chunk_items`` items per task in ``workers`` fresh processes (``spawn``: safe next to the
    threads of an engine's client or the web server; ``initializer(*initargs)`` runs once in
    each). When a worker dies (killed, out of memory), the tasks not yet returned are done in this
    process (the files the work writes are written atomically, so one a dead worker wrote already
    is only written again). ``min_items`` and ``chunk_items`` default to :data:`PARALLEL_MIN_ITEMS`
    and :data:`CHUNK_ITEMS` as they are at the call."""
    min_items = PARALLEL_MIN_ITEMS if min_items is None else min_items
    chunk_items = CHUNK_ITEMS if chunk_items is None else chunk_items
    n = min(max(1, int(workers)), -(-len(items) // chunk_items)) if items else 1
    if n <= 1 or len(items) < min_items:
        for item in items:
            yield one(item)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = [items[i:i + chunk_items] for i in range(0, len(items), chunk_items)]
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"), initializer=initializer,
                                 initargs=initargs) as pool:
            for results in pool.map(chunk_fn, chunks):
                done += 1
                yield from results
    except BrokenProcessPool:  # a worker died: the rest is done here
        pass
    for chunk in chunks[done:]:
        for item in chunk:
            yield one(item)
