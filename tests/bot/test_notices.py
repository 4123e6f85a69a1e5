"""Service and health alerts in the engine's replies (``bot/notices.py``): which alerts a result
list carries, which services they close, "any news?", and a health alert offered once after an
overdose. The transcripts are in ``test_safety_transcripts.py`` (goldens)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import bot
from bot.notices import closed_ids, of_place, of_service
from bot.places import default_resolver
from bot.replies import Texts
from bot.segments import budget_for
from bot.types import Inbound, Reply, State, Step
from core.alert_info import AlertInfo
from core.directory import InMemoryDirectory
from core.sms_length import segment_count
from core.vocabulary import Channel, Locale
from tests.bot.alert_fixtures import (
    ALL,
    CALL_FIRST,
    CLOSED,
    ELSEWHERE,
    EXPIRED,
    HEALTH,
    LATER,
    MOVED,
)
from tests.bot.test_flows import BY_NAME, NOW, POINTS, SENDER, SERVICES, stored

EN, KM = Locale.EN, Locale.KM


def talk(texts: list[str], alerts: tuple[AlertInfo, ...] = ALL,
         channel: Channel = Channel.SMS) -> list[Reply]:
    directory = InMemoryDirectory(SERVICES, alerts=alerts)
    state, replies = State(), []
    for number, text in enumerate(texts, start=1):
        reply = bot.handle(Inbound(channel, SENDER, text, provider_id=f"n-{number}"), state,
                           directory, NOW, points=POINTS)
        replies.append(reply)
        state = stored(reply.state)
        if channel is Channel.SMS:
            spent = sum(segment_count(m.text) for m in reply.messages)
            assert spent <= budget_for(reply.kind), (text, spent)
    return replies


def said(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


# --- which alerts concern what: pure ---------------------------------------------------------

PLACE_CASES = [
    # place code, alerts in force there for the place as a whole (not a service's own)
    ("0203", [HEALTH, CALL_FIRST]),  # its district's and its province's
    ("0201", [HEALTH]),  # another district of the province: not 0203's
    ("02", [HEALTH]),  # the province as a whole: not one district's
    ("1202", [ELSEWHERE]),
    ("1201", []),
    ("17", []),
]


@pytest.mark.parametrize(("code", "expected"), PLACE_CASES, ids=[c for c, _ in PLACE_CASES])
def test_a_place_carries_its_own_alerts_and_its_province_s_only(
        code: str, expected: list[AlertInfo]) -> None:
    active = [a for a in ALL if a.active_at(NOW)]
    assert of_place(active, default_resolver().get(code)) == expected


def test_a_service_carries_only_its_own_alerts_and_only_a_closed_one_closes_it() -> None:
    assert of_service(ALL, BY_NAME["BTB Needle Exchange"]) == [MOVED]
    assert of_service(ALL, BY_NAME["Kdol Clinic"]) == []
    assert closed_ids(ALL) == {2}  # a place-wide alert closes nothing


# --- result lists -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ListCase:
    label: str
    text: str
    alerts: tuple[AlertInfo, ...]
    shows: tuple[str, ...]  # alert texts (English) that must be in the reply
    hides: tuple[str, ...]  # ...that must not
    listed: tuple[str, ...] = ()  # service names that must be listed
    unlisted: tuple[str, ...] = ()


LIST_CASES = [
    ListCase("a closed service is not offered, the next one is", "treatment in battambang",
             (CLOSED,), (), (CLOSED.text_en,), ("Kdol Clinic",), ("Chamkar Clinic",)),
    ListCase("without the alert it is", "treatment in battambang", (), (), (),
             ("Chamkar Clinic",)),
    ListCase("a moved service says so with its entry", "needle exchange in battambang",
             (MOVED,), (MOVED.text_en,), (), ("BTB Needle Exchange",)),
    ListCase("the province's health alert heads the list", "needle exchange in battambang",
             (HEALTH,), (HEALTH.text_en,), ()),
    ListCase("an expired or later alert is not shown", "needle exchange in battambang",
             (EXPIRED, LATER), (), (EXPIRED.text_en, LATER.text_en)),
    ListCase("another district's alert is not shown", "needle exchange in battambang",
             (ELSEWHERE,), (), (ELSEWHERE.text_en,)),
    ListCase("a district's alert is not shown for the province as a whole",
             "treatment in battambang province", (CALL_FIRST,), (), (CALL_FIRST.text_en,)),
]


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.TELEGRAM])
@pytest.mark.parametrize("case", LIST_CASES, ids=[c.label for c in LIST_CASES])
def test_a_result_list_carries_the_alerts_that_concern_it(case: ListCase, channel: Channel
                                                          ) -> None:
    reply = talk([case.text], case.alerts, channel)[-1]
    text = said(reply)
    assert reply.kind.startswith("results/"), (reply.kind, text)
    for wanted in (*case.shows, *case.listed):
        assert wanted in text, (wanted, text)
    for unwanted in (*case.hides, *case.unlisted):
        assert unwanted not in text, (unwanted, text)


def test_a_closed_service_is_not_offered_after_more_nor_by_number() -> None:
    replies = talk(["treatment in battambang", "MORE"], (CLOSED,))
    assert all("Chamkar Clinic" not in said(r) for r in replies)


@pytest.mark.parametrize(("text", "locale", "line"), [
    ("needle exchange in battambang", EN, MOVED.text_en),
    ("ម្ជុលនៅបាត់ដំបង", KM, MOVED.text_km),
])
def test_alerts_follow_the_conversation_s_language(text: str, locale: Locale, line: str) -> None:
    """(In Khmer the exchange with its alert goes to the second page: 201 characters.)"""
    replies = talk([text, "MORE"], (MOVED, HEALTH))
    text = "\n".join(said(r) for r in replies)
    assert all(r.locale is locale for r in replies) and line in text
    assert (HEALTH.text_km if locale is KM else HEALTH.text_en) in said(replies[0])
    for other in ((MOVED.text_km, HEALTH.text_km) if locale is EN
                  else (MOVED.text_en, HEALTH.text_en)):
        assert other not in text


def test_an_alert_comes_before_an_extra_service_on_sms() -> None:
    """The budget holds the alerts first: fewer services are listed, MORE shows the rest."""
    plain = said(talk(["treatment in battambang"], ())[-1])
    alerted = said(talk(["treatment in battambang"], (HEALTH,))[-1])
    assert HEALTH.text_en in alerted
    assert alerted.count("Clinic") <= plain.count("Clinic")
    assert "MORE" in alerted


# --- "any news?" ------------------------------------------------------------------------------

@pytest.mark.parametrize(("texts", "must", "never", "locale"), [
    (["any news in battambang?"], (HEALTH.text_en, HEALTH.advice_en, MOVED.text_en), (), EN),
    (["any news?", "battambang"], (HEALTH.text_en, CALL_FIRST.text_en), (), EN),
    (["any news in siem reap?"], ("has posted no news for", "do not use alone"),
     (HEALTH.text_en,), EN),
    (["មានព័ត៌មានថ្មីទេ នៅសៀមរាប"], ("មិនបានផ្សាយព័ត៌មាន", "កុំប្រើម្នាក់ឯង"), (), KM),
    (["មានព័ត៌មានថ្មីទេ នៅបាត់ដំបង"], (HEALTH.text_km,), (HEALTH.text_en,), KM),
])
def test_news_answers_with_the_place_s_alerts_or_honestly_with_none(
        texts: list[str], must: tuple[str, ...], never: tuple[str, ...], locale: Locale) -> None:
    reply = talk(texts)[-1]
    text = said(reply)
    assert reply.locale is locale
    for wanted in must:
        assert wanted in text, (wanted, text)
    for unwanted in (*never, "police", "Police", "ប៉ូលីស", "ប៉ូលិស"):
        assert unwanted not in text, (unwanted, text)


def test_news_asks_where_when_no_place_is_known() -> None:
    reply = talk(["any news?"])[-1]
    assert reply.state is not None and reply.state.step is Step.ASK_PLACE
    assert Texts(EN).ask_news_place() in said(reply)


def test_news_uses_the_place_the_conversation_has() -> None:
    reply = talk(["needle exchange in battambang", "any news?"])[-1]
    assert HEALTH.text_en in said(reply)


# --- a health alert after an overdose ---------------------------------------------------------

@pytest.mark.parametrize("channel", [Channel.SMS, Channel.TELEGRAM])
def test_a_health_alert_is_offered_once_after_an_overdose_there(channel: Channel) -> None:
    replies = talk(["needle exchange in battambang", "my friend is not breathing", "MORE",
                    "MORE", "he is not breathing again"], (HEALTH,), channel)
    emergency = [said(r) for r in replies[1:]]
    offered = [i for i, text in enumerate(emergency) if HEALTH.advice_en in text]
    assert len(offered) == 1, emergency
    assert replies[-1].state is not None
    assert replies[-1].state.data.get("alerted") == [HEALTH.id]


def test_no_health_alert_for_an_overdose_elsewhere_or_unplaced() -> None:
    for texts in (["my friend is not breathing"],
                  ["treatment in siem reap", "my friend is not breathing"]):
        replies = talk([*texts, "MORE", "MORE"], (HEALTH,), Channel.TELEGRAM)
        assert all(HEALTH.text_en not in said(r) for r in replies[len(texts) - 1:]), texts


def test_news_for_all_of_cambodia_names_where_each_alert_is() -> None:
    replies = talk(["any news?", "0", "MORE"])
    text = "\n".join(said(r) for r in replies[1:])
    assert f"Battambang - {Texts(EN).alert_line(HEALTH)}" in text
    assert "Doun Penh - " in text and MOVED.text_en in text and CLOSED.text_en in text
    assert EXPIRED.text_en not in text and LATER.text_en not in text


@pytest.mark.parametrize(("texts", "shown", "nothing"), [
    (["is it safe to go in battambang?"], True, False),  # the place's alerts, then the answer
    # the place the conversation has
    (["treatment in battambang", "is it safe now?"], True, False),
    (["is it safe now?"], False, False),  # no place: the answer alone, as before
    # a place with nothing posted: said honestly, with the general advice, then the answer
    (["is it safe to go in siem reap?"], False, True),
])
def test_is_it_safe_now_puts_the_place_s_alerts_first(texts: list[str], shown: bool,
                                                       nothing: bool) -> None:
    reply = talk(texts)[-1]
    assert reply.kind == "faq_privacy/safe_now"
    text = said(reply)
    assert (HEALTH.text_en in text) is shown
    assert ("has posted no news for" in text) is nothing
    assert (Texts(EN).general_advice() in text) is nothing
    if not shown:  # (after alerts, on the next page of SMS)
        assert Texts(EN).safe_now()[0] in text  # what is always true is still said


def test_more_after_the_news_reads_on_for_the_same_place() -> None:
    replies = talk(["any news?", "0", "MORE"])
    assert replies[1].state is not None and replies[1].state.data["news_place"] == ""
    assert CLOSED.text_en in said(replies[-1]) and replies[-1].kind == "faq_privacy/news"
