"""Accuracy of the language layer on the labelled sets in ``tests/data/``.

``make eval`` prints the report; ``tests/bot/test_accuracy.py`` holds the bars (95% intents,
90% exact place codes). Run: python -m tests.evaluation. The errors of the held-out sets are
not printed (see ``tests/data/README.md``).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.intents import Classification, Classifier, default_classifier
from bot.normalize import normalize

DATA = Path(__file__).resolve().parent / "data"


def rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)


@dataclass
class IntentReport:
    total: int = 0
    correct: int = 0
    locale_correct: int = 0
    #: Rows with a topic (the answer within an intent), and how many got the intent and topic.
    topics: int = 0
    topic_correct: int = 0
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

    @property
    def topic_accuracy(self) -> float:
        return self.topic_correct / self.topics if self.topics else 0.0

    @property
    def false_alarms(self) -> int:
        """Messages read as an emergency that were not one."""
        return self.predicted["emergency"] - self.true_positive["emergency"]

    def add(self, text: str, intent: str, topic: str, locale: str, result: Classification) -> None:
        """One labelled message and how it was read."""
        got = result.intent
        self.total += 1
        self.expected[intent] += 1
        self.predicted[got] += 1
        if got == intent:
            self.correct += 1
            self.true_positive[got] += 1
        else:
            self.errors.append((text, intent, got))
        self.locale_correct += str(result.locale) == locale
        if topic:
            self.topics += 1
            self.topic_correct += got == intent and result.topic == topic

    def line(self) -> str:
        topic = f"  topic {self.topic_accuracy:.1%}" if self.topics else ""
        return (f"intent {self.accuracy:.1%}{topic}  locale {self.locale_accuracy:.1%}  "
                f"emergency recall {self.recall('emergency'):.1%}  false alarms "
                f"{self.false_alarms}")


DEV_SET, HOLDOUT_SET = "intents.tsv", "intents_holdout.tsv"
#: Written for the safety issue by someone who never saw the classifier, lexicons or training
#: data, and never tuned on: emergencies, crises, fear of police, opt-outs, asking for a person.
HOLDOUT_2 = "intents_holdout2.tsv"


#: How similar (rapidfuzz ratio of the normalised texts) a held-out message may be to a training
#: seed and still count as unlike every seed.
UNLIKE = 80


def evaluate_intents(
    classifier: Classifier | None = None, name: str = DEV_SET, unlike_seeds: bool = False
) -> IntentReport:
    """``unlike_seeds``: only the messages that no training seed resembles (``UNLIKE``)."""
    classifier = classifier or default_classifier()
    report = IntentReport()
    seeds: list[str] = []
    if unlike_seeds:
        from tests.intent_training import seed_rows  # it imports this module

        seeds = [normalize(row["text"]) for _, _, row in seed_rows()]
    for row in rows(name):
        if seeds and process.extractOne(normalize(row["text"]), seeds, scorer=fuzz.ratio,
                                        score_cutoff=UNLIKE):
            continue
        report.add(row["text"], row["intent"], row.get("topic") or "", row["locale"],
                   classifier.classify(row["text"]))
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


def print_intents(title: str, intents: IntentReport, errors: bool = True) -> None:
    print(f"{title}: {intents.correct}/{intents.total} correct = {intents.accuracy:.1%}; "
          f"emergency recall {intents.recall('emergency'):.1%}; locale "
          f"{intents.locale_accuracy:.1%}"
          + (f"; intent and topic {intents.topic_accuracy:.1%} of {intents.topics} rows with a "
             "topic" if intents.topics else ""))
    print(f"{'intent':<22}{'n':>5}{'precision':>11}{'recall':>9}")
    for intent in sorted(intents.expected):
        print(f"{intent:<22}{intents.expected[intent]:>5}"
              f"{intents.precision(intent):>11.1%}{intents.recall(intent):>9.1%}")
    if intents.errors and errors:
        print("Misclassified (text | expected | got):")
        for text, expected, got in intents.errors:
            print(f"  {text} | {expected} | {got}")
    print()


def print_places(title: str, places: PlaceReport, errors: bool = True) -> None:
    print(f"{title}: exact code {places.exact}/{places.total} = {places.exact_accuracy:.1%}; "
          f"province level {places.province_accuracy:.1%}")
    for level in sorted(places.by_level):
        print(f"  {level:<10}{places.exact_by_level[level]:>4}/{places.by_level[level]:<4}")
    if places.errors and errors:
        print("Wrong places (text | expected | got):")
        for text, expected, got in places.errors:
            print(f"  {text} | {expected} | {got}")
    print()


def main() -> int:
    print_intents("Intents, development set (the lexicons were tuned on it and the model trained "
                  "on it: a check of fit, not of accuracy)",
                  evaluate_intents(name=DEV_SET))
    # The held-out sets are printed without their rows: reading the errors is how a set stops
    # being held out.
    for name, title in (
        (HOLDOUT_SET, "held-out set (written independently, never tuned or trained on)"),
        (HOLDOUT_2, "held-out set 2 (safety; written blind, never tuned or trained on)"),
    ):
        if (DATA / name).exists():
            print_intents(f"Intents, {title}", evaluate_intents(name=name), errors=False)
            unlike = evaluate_intents(name=name, unlike_seeds=True)
            print(f"  of which {unlike.total} messages resemble no training seed (similarity "
                  f"under {UNLIKE}): {unlike.line()}\n")
    for name, title in ((PLACES_DEV, "development set (the resolver was tuned on it)"),
                        (PLACES_HOLDOUT, "held-out set (written independently, never tuned on)")):
        if (DATA / name).exists():
            print_places(f"Places, {title}", evaluate_places(name=name),
                         errors=name != PLACES_HOLDOUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
