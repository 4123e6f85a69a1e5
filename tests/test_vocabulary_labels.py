"""The label tables of ``core/vocabulary_labels.py``: a row for every word, every label in Khmer,
and every word a surface shows has a label there."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from core import vocabulary_labels
from core.catalogs import translations
from core.vocabulary import HANDOFF_OUTCOMES, AlertKind, Intent, Locale, Outcome, ServiceType, Topic

TABLES: dict[str, tuple[type[enum.StrEnum], dict[Any, str | None]]] = {
    "SERVICE_TYPE_NAMES": (ServiceType, vocabulary_labels.SERVICE_TYPE_NAMES),
    "SERVICE_TYPE_LABELS": (ServiceType, vocabulary_labels.SERVICE_TYPE_LABELS),
    "OUTCOMES": (Outcome, vocabulary_labels.OUTCOMES),
    "INTENTS": (Intent, vocabulary_labels.INTENTS),
    "TOPICS": (Topic, vocabulary_labels.TOPICS),
    "ALERT_KINDS": (AlertKind, vocabulary_labels.ALERT_KINDS),
}


@pytest.mark.parametrize("name", TABLES)
def test_every_member_has_a_row(name: str) -> None:
    """A new member must be given a label, or None on purpose: the table has a row for it."""
    kind, table = TABLES[name]
    assert set(table) == set(kind), name
    assert all(type(key) is kind for key in table), name


@pytest.mark.parametrize("name", TABLES)
def test_every_label_is_translated_into_khmer(name: str) -> None:
    khmer = translations(Locale.KM)
    for member, label in TABLES[name][1].items():
        if label is not None:
            assert khmer.gettext(label) != label, (name, member, label)


def test_every_kind_of_service_has_both_names() -> None:
    for kind in ServiceType:
        assert vocabulary_labels.SERVICE_TYPE_NAMES[kind]
        assert vocabulary_labels.SERVICE_TYPE_LABELS[kind]


def test_every_outcome_the_dashboard_counts_has_a_label() -> None:
    from models import stats

    for outcome in (*stats.OUTCOMES, *HANDOFF_OUTCOMES):
        assert vocabulary_labels.OUTCOMES[Outcome(outcome)] is not None, outcome


def test_whatever_a_handoff_can_be_about_has_a_label() -> None:
    """A handoff's topic is the answer the texter was reading or the service sought
    (``bot.desk.offer_handoff``): each reads as its own label or its intent's."""
    from bot.answers import ANSWERS
    from bot.turn import SERVICE_TYPES

    for key in (*ANSWERS, *SERVICE_TYPES):
        assert vocabulary_labels.asked_about(key) is not None, key
    assert vocabulary_labels.asked_about("emergency/crisis") == "a crisis"
    assert vocabulary_labels.asked_about("faq_privacy/police") == "privacy and police"
    assert vocabulary_labels.asked_about("cravings") == "cravings"
    assert vocabulary_labels.asked_about("find_clinic") == "voluntary treatment"
    assert vocabulary_labels.asked_about("menu") is None
