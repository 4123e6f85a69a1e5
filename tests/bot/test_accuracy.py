"""The accuracy bars of the language layer on the labelled sets (issue: 95% intents).

The development set is the one the lexicons were tuned on and the model trained on; the
held-out sets were written independently and are reported by ``make eval``; here they are only
guarded against regression (their rows are never printed)."""

from __future__ import annotations

from tests.evaluation import DEV_SET, evaluate_intents

INTENT_BAR = 0.95


def test_intent_accuracy_on_the_labelled_set_is_at_least_95_percent() -> None:
    report = evaluate_intents(name=DEV_SET)
    assert report.total >= 300
    assert report.accuracy >= INTENT_BAR, report.errors


def test_emergencies_are_never_missed_on_the_labelled_set() -> None:
    """Safety: an emergency read as anything else is the worst mistake the bot can make."""
    report = evaluate_intents(name=DEV_SET)
    missed = [e for e in report.errors if e[1] == "emergency"]
    assert report.expected["emergency"] >= 20
    assert len(missed) <= 1, missed


def test_every_intent_is_covered_by_the_labelled_set() -> None:
    from bot.intents import INTENTS

    report = evaluate_intents(name=DEV_SET)
    assert set(report.expected) == set(INTENTS)


def test_held_out_sets_do_not_regress() -> None:
    """Regression guards on the held-out sets (never tuned or trained on), set below the figures
    first measured: 84% intents before the learned model and 95% with it; 96% exact places."""
    from tests.evaluation import HOLDOUT_SET, PLACES_HOLDOUT, evaluate_places

    assert evaluate_intents(name=HOLDOUT_SET).accuracy >= 0.90
    assert evaluate_places(name=PLACES_HOLDOUT).exact_accuracy >= 0.90


def test_the_safety_held_out_set_does_not_regress() -> None:
    """The safety set: 58% intents and 30% emergency recall with keywords alone; 95% and 98%
    when the learned model was added. Emergencies are the bar that matters most."""
    from tests.evaluation import HOLDOUT_2

    report = evaluate_intents(name=HOLDOUT_2)
    assert report.total >= 400
    assert report.recall("emergency") >= 0.95
    assert report.accuracy >= 0.90
    assert report.topic_accuracy >= 0.88
