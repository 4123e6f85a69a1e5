"""Start-up without the garbage collector's repeated passes over what start-up makes.

Importing the libraries and loading the classifier make a few hundred thousand objects that
live as long as the process (modules, classes, functions, the lexicons' tables). Python's cyclic
collector, counting allocations, walks them again and again while they are made: about a
seventh of ``create_app``'s time on this project's machine (``make bench``), for nothing, since
none of them is garbage. So start-up pauses it, and then moves what was made to the collector's
permanent generation (``gc.freeze``), where no later collection walks it: the first texter does
not pay the postponed passes instead (measured: pausing without freezing moved about 60 ms onto
the first request). This is what the Python documentation recommends for processes that fork
(gunicorn's master does the same before each fork: ``gunicorn.conf.py``).

Only what is made once per process is frozen: the imports, and the first warm-up. A frozen
object that later becomes garbage is never collected, so an app built again (the tests build
thousands) is not frozen.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def long_lived(freeze: bool = True) -> Iterator[None]:
    """Pause the cyclic collector while the block runs; then, with ``freeze``, move every object
    tracked so far to the permanent generation. The collector is left as it was found (a caller
    that turned it off keeps it off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
