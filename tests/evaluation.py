"""Accuracy of the language layer on the labelled sets in ``tests/data/``.

``make eval`` prints the report; ``tests/bot/test_accuracy.py`` holds the bars (95% intents,
90% exact place codes). Run: python -m tests.evaluation
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.intents import Classifier, default_classifier

DATA = Path(__file__).resolve().parent / "data"


def rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


@dataclass
class IntentReport:
    total: int = 0
    correct: int = 0
    locale_correct: int = 0
    true_positive: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    expected: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def locale_accuracy(self) -> float:
        return self.locale_correct / self.total if self.total else 0.0

    def precision(self, intent: str) -> float:
        return self.true_positive[intent] / self.predicted[intent] if self.predicted[intent] else 0.0

    def recall(self, intent: str) -> float:
        return self.true_positive[intent] / self.expected[intent] if self.expected[intent] else 0.0


DEV_SET, HOLDOUT_SET = "intents.tsv", "intents_holdout.tsv"


def evaluate_intents(classifier: Classifier | None = None, name: str = DEV_SET) -> IntentReport:
    classifier = classifier or default_classifier()
    report = IntentReport()
    for row in rows(name):
        result = classifier.classify(row["text"])
        expected, got = row["intent"], result.intent
        report.total += 1
        report.expected[expected] += 1
        report.predicted[got] += 1
        if got == expected:
            report.correct += 1
            report.true_positive[got] += 1
        else:
            report.errors.append((row["text"], expected, got))
        report.locale_correct += str(result.locale) == row["locale"]
    return report


@dataclass
class PlaceReport:
    total: int = 0
    exact: int = 0
    province: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    exact_by_level: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def exact_accuracy(self) -> float:
        return self.exact / self.total if self.total else 0.0

    @property
    def province_accuracy(self) -> float:
        return self.province / self.total if self.total else 0.0


PLACES_DEV, PLACES_HOLDOUT = "places.tsv", "places_holdout.tsv"


def evaluate_places(classifier: Classifier | None = None, name: str = PLACES_DEV) -> PlaceReport:
    classifier = classifier or default_classifier()
    report = PlaceReport()
    for row in rows(name):
        places = classifier.places.resolve(row["text"])
        got = places[0].code if places else ""
        expected = row["code"] if row["level"] != "none" else ""
        report.total += 1
        report.by_level[row["level"]] += 1
        if got == expected:
            report.exact += 1
            report.exact_by_level[row["level"]] += 1
        else:
            report.errors.append((row["text"], expected or "-", got or "-"))
        if got[:2] == (row["province"] if expected else ""):
            report.province += 1
    return report


def print_intents(title: str, intents: IntentReport) -> None:
    print(f"{title}: {intents.correct}/{intents.total} correct = {intents.accuracy:.1%}; "
          f"locale {intents.locale_accuracy:.1%}")
    print(f"{'intent':<22}{'n':>5}{'precision':>11}{'recall':>9}")
    for intent in sorted(intents.expected):
        print(f"{intent:<22}{intents.expected[intent]:>5}"
              f"{intents.precision(intent):>11.1%}{intents.recall(intent):>9.1%}")
    if intents.errors:
        print("Misclassified (text | expected | got):")
        for text, expected, got in intents.errors:
            print(f"  {text} | {expected} | {got}")
    print()


def print_places(title: str, places: PlaceReport) -> None:
    print(f"{title}: exact code {places.exact}/{places.total} = {places.exact_accuracy:.1%}; "
          f"province level {places.province_accuracy:.1%}")
    for level in sorted(places.by_level):
        print(f"  {level:<10}{places.exact_by_level[level]:>4}/{places.by_level[level]:<4}")
    if places.errors:
        print("Wrong places (text | expected | got):")
        for text, expected, got in places.errors:
            print(f"  {text} | {expected} | {got}")
    print()


def main() -> int:
    print_intents("Intents, development set (the lexicons were tuned on it)",
                  evaluate_intents(name=DEV_SET))
    if (DATA / HOLDOUT_SET).exists():
        print_intents("Intents, held-out set (written independently, never tuned on)",
                      evaluate_intents(name=HOLDOUT_SET))
    for name, title in ((PLACES_DEV, "development set (the resolver was tuned on it)"),
                        (PLACES_HOLDOUT, "held-out set (written independently, never tuned on)")):
        if (DATA / name).exists():
            print_places(f"Places, {title}", evaluate_places(name=name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
