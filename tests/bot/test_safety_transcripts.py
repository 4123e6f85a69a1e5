"""Golden transcripts of the moments where a person is most at risk or most afraid.

Each scenario is a few messages as people write them (Khmer script, romanised Khmer, English),
with the *kind* of answer each must get: overdose first aid, the crisis reply, "Sangkhim is not
the police", a question before deleting anything... The kind is checked against the catalogs
(``KINDS``), so a wrong kind of answer fails whatever the wording. The whole exchange (every
reply's text, the step, the language and the demand event) is also kept as a golden file in
``tests/bot/goldens/``, so any change of wording shows up as a diff to review:

    .venv/bin/pytest tests/bot/test_safety_transcripts.py --update-goldens

rewrites the goldens after an intended change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot
from bot.replies import Texts
from bot.segments import budget_for
from bot.types import Inbound, Reply, State, Step
from core.alert_info import AlertInfo
from core.directory import InMemoryDirectory
from core.sms_length import segment_count
from core.vocabulary import Channel, Locale
from tests.bot.alert_fixtures import ALL as ALERTS
from tests.bot.alert_fixtures import HEALTH
from tests.bot.test_flows import NOW, POINTS, SENDER, SERVICES, stored

GOLDENS = Path(__file__).parent / "goldens"
HELPLINE = "012 000 119"
EN, KM = Locale.EN, Locale.KM


@dataclass(frozen=True)
class Say:
    """One message and the kind of answer it must get, in which language."""

    text: str
    kind: str
    locale: Locale
    #: The SMS provider acted on an opt-out word (Twilio's STOP).
    provider_opted_out: bool = False


@dataclass(frozen=True)
class Scenario:
    label: str
    turns: tuple[Say, ...]
    channel: Channel = Channel.SMS
    helpline: str | None = None
    #: Service and health alerts in force (``tests.bot.alert_fixtures``).
    alerts: tuple[AlertInfo, ...] = ()


def _first(method: Callable[[Texts], object]) -> Callable[[Texts], str]:
    def text(texts: Texts) -> str:
        value = method(texts)
        return value if isinstance(value, str) else value[0]  # type: ignore[index,return-value]
    return text


#: What each kind of answer must contain, and the step it leaves the conversation in (None:
#: forgotten; a tuple: any of these).
KINDS: dict[str, tuple[Callable[[Texts], str], object]] = {
    "overdose": (_first(Texts.emergency), (Step.PAGES, Step.MENU)),
    "crisis": (_first(Texts.crisis), (Step.PAGES, Step.MENU)),
    "first_aid": (_first(Texts.first_aid), (Step.PAGES, Step.MENU)),
    "naloxone": (_first(Texts.naloxone), (Step.PAGES, Step.MENU)),
    "police": (Texts.not_police, (Step.PAGES, Step.MENU)),
    "police_now": (_first(Texts.police_now), Step.MENU),
    "safe_now": (_first(Texts.safe_now), (Step.PAGES, Step.MENU)),
    "centre": (_first(Texts.faq_centre), (Step.PAGES, Step.MENU)),
    "human": (Texts.human, Step.MENU),
    "confirm_stop": (Texts.confirm_stop, Step.CONFIRM),
    "forgotten": (Texts.stopped, None),
    "forgotten_provider": (Texts.stopped_by_provider_word, None),
    "ask_place": (lambda t: "", Step.ASK_PLACE),
    "menu": (Texts.menu, Step.MENU),
    "fallback": (Texts.emergency_line, Step.MENU),
    # service and health alerts (issue 28)
    "results": (lambda t: "", Step.RESULTS),
    "news": (lambda t: "", Step.MENU),
    "nothing_posted": (Texts.general_advice, Step.MENU),
    "ask_news": (Texts.ask_news_place, Step.ASK_PLACE),
    "more_first_aid": (lambda t: "", (Step.PAGES, Step.MENU)),
    "breathing": (_first(Texts.breathing), (Step.PAGES, Step.MENU)),
}
EMERGENCY_KINDS = {"overdose", "crisis", "first_aid", "naloxone"}

SCENARIOS = [
    # --- emergencies told by what people see -------------------------------------------------
    Scenario("overdose described, en", (Say("he's turning blue", "overdose", EN),)),
    Scenario("overdose took too much, en", (Say("he took too much", "overdose", EN),)),
    Scenario("overdose romanised", (Say("mit khnhom min dok dongheum", "overdose", KM),)),
    Scenario("overdose described, km",
             (Say("មិត្តខ្ញុំមាត់ខៀវហើយ ដាស់មិនភ្ញាក់", "overdose", KM),)),
    Scenario("overdose on telegram comes whole", (Say("he took too much", "overdose", EN),),
             channel=Channel.TELEGRAM),
    Scenario("overdose then CPR", (
        Say("my friend is not breathing", "overdose", EN),
        Say("CPR?", "first_aid", EN),
    )),
    Scenario("naloxone, en", (Say("naloxone", "naloxone", EN),)),
    Scenario("naloxone and CPR, km", (
        Say("ណាឡុកសូន ប្រើយ៉ាងម៉េច", "naloxone", KM),
        Say("ធ្វើ CPR យ៉ាងម៉េចបង", "first_aid", KM),
    )),
    # --- thoughts of suicide -------------------------------------------------------------------
    Scenario("crisis, en", (Say("I want to end it", "crisis", EN),)),
    Scenario("crisis, km", (Say("ខ្ញុំចង់សម្លាប់ខ្លួន", "crisis", KM),)),
    Scenario("crisis with the operator's helpline", (Say("I want to end it", "crisis", EN),),
             helpline=HELPLINE),
    Scenario("crisis then a voluntary service", (
        Say("ខ្ញុំមិនចង់រស់ទៀតទេ", "crisis", KM),
        Say("១", "ask_place", KM),
    )),
    # --- fear of police -----------------------------------------------------------------------
    Scenario("will the clinic report me", (Say("will the clinic report me?", "police", EN),)),
    Scenario("are you the police", (Say("are you the police?", "police", EN),)),
    Scenario("are you the police, km", (Say("អ្នកជាប៉ូលីសមែនទេ?", "police", KM),)),
    Scenario("police are here", (Say("police are here help", "police_now", EN),)),
    Scenario("police are here, km", (Say("ប៉ូលីសមកហើយ ជួយផង", "police_now", KM),)),
    Scenario("locked up in a centre", (Say("will they lock him up in a centre?", "centre", EN),)),
    Scenario("locked up in a centre, km", (Say("គេចាប់កូនខ្ញុំដាក់មណ្ឌលទេ?", "centre", KM),)),
    Scenario("is it safe now", (Say("is it safe now?", "safe_now", EN),)),
    # --- opt-outs: only an unambiguous one deletes -------------------------------------------
    Scenario("quit yama is not an opt-out", (Say("i wnat to qiut yama", "ask_place", EN),)),
    Scenario("stop using is not an opt-out", (Say("i want to stpo using", "ask_place", EN),)),
    Scenario("leave me alone asks first, then DELETE", (
        Say("leave me alone", "confirm_stop", EN),
        Say("DELETE", "forgotten", EN),
    )),
    Scenario("leave me alone asks first, then the menu", (
        Say("leave me alone", "confirm_stop", EN),
        Say("menu", "menu", EN),
    )),
    Scenario("a misspelt STOP asks first, then yes", (
        Say("stpo", "confirm_stop", EN),
        Say("yes", "forgotten", EN),
    )),
    Scenario("polite opt-out, en", (Say("please stop messaging me", "forgotten", EN),)),
    Scenario("delete my data, en", (Say("can you delete my data please", "forgotten", EN),)),
    Scenario("polite opt-out, km", (Say("សូមលុបទិន្នន័យរបស់ខ្ញុំ", "forgotten", KM),)),
    Scenario("khmer stop word", (Say("ឈប់", "forgotten", KM),)),
    Scenario("one-word SMS STOP: the provider blocks too", (
        Say("STOP", "forgotten_provider", EN, provider_opted_out=True),
    )),
    Scenario("the provider opted out mid-conversation, whatever the word", (
        Say("methadone please", "ask_place", EN),
        Say("End", "forgotten_provider", EN, provider_opted_out=True),
    )),
    Scenario("telegram STOP", (Say("STOP", "forgotten", EN),), channel=Channel.TELEGRAM),
    # --- asking for a person --------------------------------------------------------------------
    Scenario("a real person, en", (Say("can I talk to a real person?", "human", EN),)),
    Scenario("a real person, km", (Say("ខ្ញុំចង់និយាយជាមួយមនុស្ស", "human", KM),)),
    Scenario("a real person with the operator's helpline",
             (Say("can I talk to a real person?", "human", EN),), helpline=HELPLINE),
    # --- not understood: the menu, and 119 -------------------------------------------------------
    Scenario("gibberish first", (Say("qzxv wplk", "fallback", KM),)),
    # --- service and health alerts (issue 28): in results within the SMS budget, on Telegram
    # whole, "any news?" answered honestly where nothing is posted, and a health alert offered
    # once after an overdose in its province ----------------------------------------------------
    Scenario("alerts in results over SMS", (
        Say("needle exchange in battambang", "results", EN),
        Say("treatment in battambang", "results", EN),
    ), alerts=ALERTS),
    Scenario("alerts in results over SMS, km", (Say("ម្ជុលនៅបាត់ដំបង", "results", KM),),
             alerts=ALERTS),
    Scenario("alerts in results on Telegram", (
        Say("needle exchange in battambang", "results", EN),
    ), channel=Channel.TELEGRAM, alerts=ALERTS),
    Scenario("news for a place with alerts", (
        Say("any news?", "ask_news", EN),
        Say("battambang", "news", EN),
    ), alerts=ALERTS),
    Scenario("nothing posted, en", (Say("any news in siem reap?", "nothing_posted", EN),),
             alerts=ALERTS),
    Scenario("nothing posted, km", (Say("មានព័ត៌មានថ្មីទេ នៅសៀមរាប", "nothing_posted", KM),),
             alerts=ALERTS),
    Scenario("a health alert after an overdose, once", (
        Say("needle exchange in battambang", "results", EN),
        Say("my friend is not breathing", "overdose", EN),
        Say("MORE", "more_first_aid", EN),
        Say("MORE", "more_first_aid", EN),
        Say("he is still not breathing", "first_aid", EN),
    ), alerts=(HEALTH,)),
    # breathing again is good news; breathing that stopped again never is: the steps again
    Scenario("breathing again, then stopped breathing again", (
        Say("my friend is not breathing", "overdose", EN),
        Say("ok he breathes now", "breathing", EN),
        Say("he stopped breathing again", "first_aid", EN),
    )),
    Scenario("breathing again, then stopped breathing again, km", (
        Say("មិត្តខ្ញុំមិនដកដង្ហើម", "overdose", KM),
        Say("គាត់ដកដង្ហើមវិញហើយ", "breathing", KM),
        Say("គាត់ឈប់ដកដង្ហើមម្តងទៀត", "first_aid", KM),
    ), channel=Channel.TELEGRAM),
    Scenario("a health alert after an overdose, once, km", (
        Say("ម្ជុលនៅបាត់ដំបង", "results", KM),
        Say("មិត្តខ្ញុំមាត់ខៀវហើយ ដាស់មិនភ្ញាក់", "overdose", KM),
        Say("បន្ទាប់", "more_first_aid", KM),
    ), alerts=(HEALTH,), channel=Channel.TELEGRAM),
]


def run(scenario: Scenario) -> list[tuple[Say, Reply]]:
    directory = InMemoryDirectory(SERVICES, helpline=scenario.helpline, alerts=scenario.alerts)
    state, replies = State(), []
    for number, say in enumerate(scenario.turns, start=1):
        inbound = Inbound(scenario.channel, SENDER, say.text, provider_id=f"d-{number}",
                          provider_opted_out=say.provider_opted_out)
        reply = bot.handle(inbound, state, directory, NOW, points=POINTS)
        replies.append((say, reply))
        state = stored(reply.state)
    return replies


def record(scenario: Scenario, replies: list[tuple[Say, Reply]]) -> dict[str, object]:
    return {
        "scenario": scenario.label,
        "channel": str(scenario.channel),
        "helpline": scenario.helpline,
        "turns": [
            {
                "user": say.text,
                "replies": [m.text for m in reply.messages],
                "step": str(reply.state.step) if reply.state else None,
                "locale": str(reply.locale),
                "event": reply.demand_event.as_dict() if reply.demand_event else None,
            }
            for say, reply in replies
        ],
    }


def golden_path(label: str) -> Path:
    return GOLDENS / (re.sub(r"[^A-Za-z0-9-]+", "_", label).strip("_") + ".json")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.label for s in SCENARIOS])
def test_each_message_gets_the_right_kind_of_answer(scenario: Scenario) -> None:
    for number, (say, reply) in enumerate(run(scenario)):
        where = f"{scenario.label}: {say.text!r}"
        texts = Texts(reply.locale)
        joined = "\n".join(m.text for m in reply.messages)
        must_say, step = KINDS[say.kind]
        assert reply.locale is say.locale, where
        assert must_say(texts) in joined, f"{where} is not answered as {say.kind}: {joined[:120]!r}"
        if step is None:
            assert reply.state is None, where
        else:
            assert reply.state is not None, where
            steps = step if isinstance(step, tuple) else (step,)
            assert reply.state.step in steps, where
        if say.kind in EMERGENCY_KINDS and number == 0:
            # counted once, when the emergency begins (follow-ups inside it are not demand)
            assert reply.demand_event is not None and reply.demand_event.intent == "emergency"
            assert "police" not in joined.casefold() and "ប៉ូលីស" not in joined, where
        if scenario.helpline and say.kind in ("crisis", "human"):
            assert scenario.helpline in joined, where
        if scenario.channel is Channel.TELEGRAM:
            assert len(reply.messages) == 1, where
        else:
            if scenario.channel is Channel.SMS:  # every reply to one SMS, together
                spent = sum(segment_count(m.text) for m in reply.messages)
                assert spent <= budget_for(reply.kind), (where, spent)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.label for s in SCENARIOS])
def test_the_transcript_matches_its_golden(scenario: Scenario, update_goldens: bool) -> None:
    actual = record(scenario, run(scenario))
    path = golden_path(scenario.label)
    if update_goldens:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    assert path.exists(), f"no golden for {scenario.label!r}: run with --update-goldens"
    assert json.loads(path.read_text(encoding="utf-8")) == actual


def test_every_golden_belongs_to_a_scenario() -> None:
    """A golden whose scenario was removed or renamed is stale."""
    expected = {golden_path(s.label).name for s in SCENARIOS}
    assert {p.name for p in GOLDENS.glob("*.json")} <= expected
