"""The rules of alerts (core/alert_rules.py), table-driven: what is refused, what only warns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.alert_info import Scope, ScopeKind
from core.alert_rules import AlertDraft, check, check_renewal, phone_digits
from core.sms_length import segment_count
from core.vocabulary import AlertKind

NOW = datetime(2026, 12, 7, 3, tzinfo=UTC)
#: The directory: service 7's own phone, service 8's.
SERVICES = {7: "012 345 678", 8: "+855 23 456 789"}
GOOD = AlertDraft(AlertKind.CALL_FIRST, Scope.parse("province:12"), "ទូរស័ព្ទមុនពេលទៅ",
                  "Call before going this week", "", "", NOW, NOW + timedelta(days=7))
HEALTH = replace(GOOD, kind=AlertKind.HEALTH, text_km="ថ្នាំគ្រាប់ពណ៌ក្រហមគ្រោះថ្នាក់",
                 text_en="Red pills are putting people in hospital",
                 advice_km="សាកល្បងបន្តិចសិន កុំប្រើម្នាក់ឯង ហៅ 119",
                 advice_en="Test a small amount first, do not use alone, call 119")


def fields(findings: tuple) -> list[str]:
    return [f.field for f in findings]


@pytest.mark.parametrize(("change", "field"), [
    ({"text_km": ""}, "text_km"),
    ({"text_en": "   "}, "text_en"),
    ({"text_en": "x" * 161}, "text_en"),                            # two GSM-7 segments
    ({"text_km": "ក" * 71}, "text_km"),                               # two UCS-2 segments
    ({"kind": "rumour"}, "kind"),
    ({"scope": Scope(ScopeKind.PROVINCE, "99")}, "scope"),
    ({"scope": Scope(ScopeKind.DISTRICT, "1299")}, "scope"),
    ({"scope": Scope(ScopeKind.SERVICE, "9")}, "scope"),              # not in the directory
    ({"ends_at": NOW}, "ends"),                                       # end = start
    ({"ends_at": NOW + timedelta(days=14, seconds=1)}, "ends"),       # over 14 days
    ({"starts_at": NOW - timedelta(days=3), "ends_at": NOW - timedelta(hours=1)}, "ends"),
    ({"advice_en": "Test first", "advice_km": "សាកល្បង"}, "advice"),   # not a health alert
    ({"text_en": "Ask for sokha@example.org"}, "text_en"),            # personal data
    ({"text_en": "Call Dara on 097 765 4321"}, "text_en"),            # a phone not listed
    ({"text_km": "ហៅ ០៩៧៧៦៥៤៣២១"}, "text_km"),                          # in Khmer digits
])
def test_refused(change: dict, field: str) -> None:
    verdict = check(replace(GOOD, **change), NOW, SERVICES)
    assert field in fields(verdict.errors), verdict
    assert verdict.refuses(about_services=True)


@pytest.mark.parametrize("change", [
    {},
    {"ends_at": NOW + timedelta(days=14)},                            # exactly 14 days
    {"scope": Scope.parse("country")},
    {"scope": Scope.parse("district:1201")},
    {"scope": Scope.parse("service:7"), "text_en": "Moved: call 012 345 678"},
    {"text_en": "Call the drop-in on +855 23 456 789"},               # a listed service's own
    {"text_en": "x" * 160},                                           # one GSM-7 segment
    {"text_km": "ក" * 70},                                            # one UCS-2 segment
    {"starts_at": NOW - timedelta(days=1)},                           # closed since yesterday
    {"text_en": "Open 8-17 on 12.12.2026"},                           # a date is not a phone
])
def test_accepted(change: dict) -> None:
    verdict = check(replace(GOOD, **change), NOW, SERVICES)
    assert verdict.errors == () and verdict.warnings == (), verdict
    assert not verdict.refuses()


def test_a_health_alert_needs_advice_in_both_languages() -> None:
    assert not check(HEALTH, NOW, SERVICES).refuses()
    for name in ("advice_km", "advice_en"):
        verdict = check(replace(HEALTH, **{name: ""}), NOW, SERVICES)
        assert fields(verdict.errors) == [name]


@pytest.mark.parametrize(("text_en", "text_km"), [
    ("Police raids near the market", GOOD.text_km),
    ("Checkpoints on the road: call first", GOOD.text_km),
    ("People were arrested at the drop-in", GOOD.text_km),
    (GOOD.text_en, "ប៉ូលិសនៅជិតផ្សារ"),
])
def test_police_movements_warn_and_only_the_override_lets_them_through(
    text_en: str, text_km: str
) -> None:
    verdict = check(replace(GOOD, text_en=text_en, text_km=text_km), NOW, SERVICES)
    assert verdict.errors == () and verdict.warnings
    assert verdict.refuses() and not verdict.refuses(about_services=True)


def test_health_words_are_not_police_words() -> None:
    verdict = check(replace(HEALTH, text_en="Risk of cardiac arrest: do not use alone"),
                    NOW, SERVICES)
    assert verdict.warnings == ()


@pytest.mark.parametrize(("new_end", "withdrawn", "refused"), [
    (NOW + timedelta(days=3), False, False),
    (NOW + timedelta(days=14), False, False),
    (NOW + timedelta(days=14, minutes=1), False, True),
    (NOW, False, True),
    (NOW - timedelta(days=1), False, True),
    (NOW + timedelta(days=3), True, True),
])
def test_renewal(new_end: datetime, withdrawn: bool, refused: bool) -> None:
    assert check_renewal(new_end, NOW, withdrawn).refuses() is refused


def test_a_renewal_ends_after_the_start_of_an_alert_not_begun() -> None:
    later = NOW + timedelta(days=5)
    assert check_renewal(NOW + timedelta(days=2), NOW, False, starts_at=later).refuses()
    assert not check_renewal(NOW + timedelta(days=6), NOW, False, starts_at=later).refuses()


def test_findings_read_as_english_sentences() -> None:
    verdict = check(replace(GOOD, text_en="x" * 200), NOW, SERVICES)
    assert str(verdict.errors[0]) == (
        "text_en: too long for one SMS segment (2 segments): shorten it")


@pytest.mark.parametrize(("text", "scope"), [
    ("country", Scope(ScopeKind.COUNTRY)),
    ("province:12", Scope(ScopeKind.PROVINCE, "12")),
    (" District:1201 ", Scope(ScopeKind.DISTRICT, "1201")),
    ("service:7", Scope(ScopeKind.SERVICE, "7")),
])
def test_scopes_parse_and_print_back(text: str, scope: Scope) -> None:
    assert Scope.parse(text) == scope
    assert Scope.parse(str(scope)) == scope


@pytest.mark.parametrize("text", ["", "world", "province", "country:12", "district:"])
def test_bad_scopes(text: str) -> None:
    with pytest.raises(ValueError):
        Scope.parse(text)


def test_phone_digits_and_segments() -> None:
    assert phone_digits("+855 12 345 678") == phone_digits("012-345-678") == "012345678"
    assert phone_digits("០១២៣៤៥៦៧៨") == "012345678"
    assert segment_count("ក" * 70) == 1 and segment_count("ក" * 71) == 2
