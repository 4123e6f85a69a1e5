"""Benchmark: intent + place classification latency per message, and the process's memory.

A measurement, not a test: it prints figures and asserts nothing. Run: make bench
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
from pathlib import Path


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(rounds: int = 20) -> int:
    before = rss_mb()
    started = time.perf_counter()
    from bot.intents import default_classifier
    from tests.evaluation import rows

    classifier = default_classifier()
    load_seconds = time.perf_counter() - started
    texts = [row["text"] for row in rows("intents.tsv")]
    places_file = Path(__file__).resolve().parent.parent / "data" / "places.tsv"
    if places_file.exists():
        texts += [row["text"] for row in rows("places.tsv")]
    for text in texts:  # warm-up
        classifier.classify(text)
    gc.collect()
    timings = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter_ns()
            classifier.classify(text)
            timings.append(time.perf_counter_ns() - start)
    timings.sort()
    p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))] / 1000  # noqa: E731
    print(f"classify: {len(texts)} messages x {rounds} rounds = {len(timings)} calls")
    print(f"  latency per message (us): median {statistics.median(timings) / 1000:.1f}  "
          f"p90 {p(0.90):.1f}  p99 {p(0.99):.1f}  max {timings[-1] / 1000:.1f}")
    print(f"  start-up (lexicons + gazetteer load): {load_seconds * 1000:.0f} ms")
    print(f"  resident memory: {rss_mb():.1f} MB (interpreter alone before loading: {before:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
