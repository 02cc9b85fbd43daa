"""Settings of the Python runtime for ParcelOps' long-running processes."""

import gc

# CPython runs its cyclic garbage collector after every 700 new container objects, and a
# full collection walks every object the process holds. A chunk of 10,000 carrier events
# allocates some 100,000 objects that live until the chunk is stored, and the process
# holds ~100,000 more from start-up (modules, classes, the URL conf), so parsing an event
# cost 6.2 µs instead of 4.7 and the whole batch path 18.5 µs of CPU an event instead of
# 15 (docs/benchmarks.md). Objects in reference cycles are still collected, only less often.
GC_THRESHOLDS = (50_000, 20, 20)


def settle_after_startup() -> None:
    """Call once a process has loaded what it keeps for its life (a web worker after its
    warm-up, a command before its work): those objects leave the collector's generations
    for good (gc.freeze), and it collects less often (GC_THRESHOLDS)."""
    gc.collect()  # start-up garbage is freed, not frozen
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
