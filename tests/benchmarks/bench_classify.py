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
    print(f"  start-up (lexicons + gazetteer + model load): {load_seconds * 1000:.0f} ms")
    print(f"  resident memory: {rss_mb():.1f} MB (interpreter alone before loading: {before:.1f} MB)")
    hostile(classifier)
    return 0


#: 4,096 characters (a whole Telegram message) of what makes matchers slow: one letter over and
#: over, a place name or level word repeated, many different village names, long runs of words.
HOSTILE_LENGTH = 4096
_VILLAGES = "thmei chas kandal tboung cheung trapeang prey kouk ta svay krang ampil chrey kok"


def hostile_inputs() -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (HOSTILE_LENGTH // len(unit) + 1))[:HOSTILE_LENGTH]

    return {
        "one Khmer letter": fill("ក"),
        "one Latin letter": fill("a"),
        "Khmer place names": fill("ភ្នំពេញ "),
        "'pp ' repeated": fill("pp "),
        "village ២ repeated": fill("ភូមិ ២ "),
        "Khmer level word + name": fill("ភូមិថ្មី "),
        "different village names": fill("phum " + _VILLAGES.replace(" ", " phum ") + " "),
        "short words": fill("a b "),
        "keywords": fill("methadone needle clinic police "),
        "emergency word at the end": fill("hello ")[:-8] + " overdose",
        "digits": fill("1234567890"),
        "emoji": fill("🙏"),
        # the largest body the webhooks accept: only its head is read
        "64 KB of place names": ("kampot takeo kep pursat " * 2731)[:65536],
    }


def hostile(classifier, rounds: int = 20) -> None:  # type: ignore[no-untyped-def]
    print(f"hostile inputs of {HOSTILE_LENGTH} characters, and one of 64 KB (each {rounds} times; "
          "slowest first):")
    rows = []
    for label, text in hostile_inputs().items():
        classifier.classify(text)
        timings = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            classifier.classify(text)
            timings.append(time.perf_counter_ns() - start)
        rows.append((max(timings) / 1e6, statistics.median(timings) / 1e6, label))
    for worst, median, label in sorted(rows, reverse=True):
        print(f"  {label:<28} median {median:6.2f} ms   worst {worst:6.2f} ms")
    print(f"  worst case over all: {max(r[0] for r in rows):.2f} ms (target: under 5 ms)")


if __name__ == "__main__":
    sys.exit(main())
