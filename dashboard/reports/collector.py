"""Python's cyclic garbage collector paused while a report is built and written.

A region's LRA is some ten thousand rows, each a handful of new objects (the row, its amounts,
its measure, its text) that live until the file is written. Every so many allocations the
collector walks the objects that survived, the process's own included (Django, the apps: some
150,000): at 100,000 DPA lines it spent about a third of the report's Python time walking
objects that hold no cycle, which reference counting frees anyway (docs/PERFORMANCE.md).
Paused for the length of one report, the collector runs as usual after it.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_paused = 0  # reports being built now (a threaded worker may build several at once)
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Usable as a decorator too. The collector is enabled again when the last report being
    built ends, unless it was off before the first began."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()
