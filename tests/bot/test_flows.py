"""Golden conversation transcripts through ``bot.handle``.

Each case is a list of user turns; each turn states facts the reply must show: the next step
(or that the conversation was forgotten), text that must or must not appear, the services listed
(in order), and the demand event. Between turns the state goes through the same JSON columns the
database stores (``State.data_json()`` / ``State.restore``), with a frozen clock.

Expected sentences are taken from the catalogs through ``Texts`` (a callable in ``says`` or
``silent``), so the transcripts hold whatever the translators write, in the reply's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

import bot
from bot.answers import ANSWERS
from bot.context import MODES, WHO
from bot.intents import INTENTS
from bot.normalize import has_khmer
from bot.replies import Texts
from bot.segments import budget_for
from bot.types import Desk, Inbound, Reply, State, Step
from core.directory import InMemoryDirectory, ServiceInfo
from core.geo import GeoPoint, ReferencePoints
from core.sms_length import segment_count
from core.vocabulary import CAMBODIA, Channel, DemandEvent, Locale, Outcome, ServiceType

NOW = datetime(2026, 3, 14, 9, 41, 27, tzinfo=UTC)
SENDER = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e"
KM_HOURS = "ច័ន្ទ-សុក្រ ៨:០០-១៧:០០"


def service(
    id: int,
    kind: ServiceType,
    name_en: str,
    name_km: str,
    province: str,
    district: str | None,
    full: bool = False,
    walk_in: bool = False,
) -> ServiceInfo:
    return ServiceInfo(
        id=id,
        service_type=kind,
        name_km=name_km,
        name_en=name_en,
        address_km=f"ផ្លូវលេខ {id}",
        address_en=f"Street {id}",
        province_code=province,
        district_code=district,
        phone=f"012 345 {id:03d}",
        opening_hours="Mo-Fr 08:00-17:00",
        is_walk_in=walk_in,
        is_full=full,
    )


VT, NE, DI, MMT = (
    ServiceType.VOLUNTARY_TREATMENT,
    ServiceType.NEEDLE_EXCHANGE,
    ServiceType.DROP_IN,
    ServiceType.METHADONE,
)
SERVICES = [
    # The full clinic sorts first by name: it must still come after the open ones.
    service(1, VT, "Anlong Vil Clinic", "គ្លីនិកអន្លង់វិល", "02", "0201", full=True),
    service(2, VT, "Chamkar Clinic", "គ្លីនិកចំការ", "02", "0203"),
    service(3, VT, "Kdol Clinic", "គ្លីនិកក្តុល", "02", "0202"),
    service(4, VT, "Wat Kor Clinic", "គ្លីនិកវត្តគរ", "02", None),
    service(5, VT, "Doun Penh Clinic", "គ្លីនិកដូនពេញ", "12", "1202"),
    service(6, NE, "BTB Needle Exchange", "កន្លែងប្តូរម្ជុល បាត់ដំបង", "02", "0203", walk_in=True),
    service(7, DI, "BTB Drop-in", "មណ្ឌលស្វាគមន៍ បាត់ដំបង", "02", "0203", walk_in=True),
    service(8, MMT, "Chamkar Mon Methadone", "មេតាដូន ចំការមន", "12", "1201"),
]
BY_NAME = {s.name_en: s for s in SERVICES}
#: Reference points owned by the tests (provinces only), so ranking does not depend on the
#: shipped GeoNames data: every Battambang service sits at the province point (0 km), and
#: Phnom Penh and Siem Reap are far from it.
POINTS = ReferencePoints({
    "02": GeoPoint(13.0957, 103.2022),
    "12": GeoPoint(11.5625, 104.9160),
    "17": GeoPoint(13.3618, 103.8606),
})
DIRECTORY = InMemoryDirectory(SERVICES)
EMPTY = InMemoryDirectory([])

Text = str | Callable[[Texts], str]


@dataclass(frozen=True)
class Event:
    intent: str
    outcome: str
    province: str | None = None


@dataclass(frozen=True)
class T:
    """One user turn and what the reply to it must show."""

    text: str
    step: Step | None  # None: the conversation is forgotten (state None)
    says: tuple[Text, ...] = ()
    silent: tuple[Text, ...] = ()
    #: English names of the services listed, in order; None: don't check.
    shows: tuple[str, ...] | None = ()
    event: Event | None = None
    locale: Locale | None = None
    photo: bool = False
    #: The reply sends nothing (a message relayed to an outreach worker).
    quiet: bool = False
    #: The message goes to the outreach worker of the open handoff.
    relayed: bool = False


@dataclass(frozen=True)
class Case:
    label: str
    turns: tuple[T, ...]
    channel: Channel = Channel.SMS
    hint: Locale | None = None
    directory: InMemoryDirectory = DIRECTORY
    #: Outreach workers who take handoffs (None: nobody does).
    desk: Desk | None = None


ALWAYS_AT_WORK = Desk("24/7", 72)
#: NOW is a Saturday afternoon in Phnom Penh: these workers are back on Monday.
WEEKDAYS = Desk("Mo-Fr 08:00-17:00", 72)


EN, KM = Locale.EN, Locale.KM
MENU, ASK, RESULTS, FAQ, START = Step.MENU, Step.ASK_PLACE, Step.RESULTS, Step.FAQ_MENU, Step.START
PAGES, CONFIRM, CHOOSE = Step.PAGES, Step.CONFIRM, Step.CHOOSE_PLACE
MORE_HINT = "MORE for more places"
LAST_HINT = "Reply a number for details, or MENU."
OPEN_BTB = ("Chamkar Clinic", "Kdol Clinic", "Wat Kor Clinic")
#: Every clinic from Battambang, in rank order (an English SMS list holds them all).
ALL5 = (*OPEN_BTB, "Anlong Vil Clinic", "Doun Penh Clinic")
FROM_SIEM_REAP = (*OPEN_BTB, "Doun Penh Clinic")
NO_POLICE = ("police", "Police", "ប៉ូលីស")

CASES = [
    Case("first message gets the menu", (
        T("hello", MENU, says=(Texts.menu,), locale=EN),
    )),
    Case("first message in khmer gets the khmer menu", (
        T("សួស្តី", MENU, says=(Texts.menu,), locale=KM),
    )),
    Case("telegram /start with an english hint", (
        T("/start", MENU, says=(Texts.menu,), locale=EN),
    ), channel=Channel.TELEGRAM, hint=EN),
    Case("menu 1, a place, then MORE until every place is shown", (
        T("hi", MENU, says=(Texts.menu,), locale=EN),
        T("1", ASK, says=("which province or town",), silent=(Texts.menu,), locale=EN),
        # English compact lines: the whole list fits one SMS. Within reach, the full clinic
        # comes after those with room, and before one 252 km away.
        T("Battambang", RESULTS, says=("Voluntary treatment near Battambang:", "FULL, call first",
                                       LAST_HINT),
          shows=(*OPEN_BTB, "Anlong Vil Clinic", "Doun Penh Clinic"),
          event=Event("find_clinic", "served_within_10km", "02"), locale=EN),
        T("MORE", RESULTS, says=("That is every place",)),
        T("4", RESULTS, says=("Anlong Vil Clinic", "Street 1", "FULL now, call first"),
          shows=("Anlong Vil Clinic",)),
    )),
    Case("khmer digits in the menu", (
        T("សួស្តី", MENU, says=(Texts.menu,), locale=KM),
        T("១", ASK, locale=KM),
        T("បាត់ដំបង", RESULTS, says=("គ្លីនិកចំការ", "១ គ.ម.", lambda t: t.details_hint(True)),
          shows=OPEN_BTB[:1], event=Event("find_clinic", "served_within_10km", "02"), locale=KM),
        T("បន្ថែម", RESULTS, shows=OPEN_BTB[1:], locale=KM),
        T("២", RESULTS, says=("គ្លីនិកក្តុល", "ផ្លូវលេខ 3"), shows=("Kdol Clinic",), locale=KM),
    )),
    Case("full services come after open ones and say so", (
        T("1", ASK),
        T("0", RESULTS, says=("all of Cambodia", "FULL, call first", LAST_HINT),
          shows=("Chamkar Clinic", "Doun Penh Clinic", "Kdol Clinic", "Wat Kor Clinic",
                 "Anlong Vil Clinic"),
          event=Event("find_clinic", "served", None)),
        T("more", RESULTS, says=("That is every place",)),
    ), hint=EN),
    Case("intent first: service and place in one message get results, not a menu", (
        T("needle exchange Battambang", RESULTS, silent=(Texts.menu,),
          says=("Needle and syringe exchange, drop-in near Battambang:", "closed now, opens Mon 8:00"),
          shows=("BTB Drop-in", "BTB Needle Exchange"),
          event=Event("find_needle_exchange", "served_within_10km", "02"), locale=EN),
    )),
    Case("intent first without a place asks where", (
        T("where can I get methadone", ASK, says=("Methadone: which province",), silent=(Texts.menu,)),
        T("Phnom Penh", RESULTS, shows=("Chamkar Mon Methadone",),
          event=Event("find_methadone", "served_within_10km", "12")),
    )),
    Case("a place first, then the service", (
        T("Battambang", MENU, says=("Battambang: what do you need there?", Texts.menu_items)),
        T("1", RESULTS, shows=ALL5, event=Event("find_clinic", "served_within_10km", "02")),
    ), hint=EN),
    Case("nothing in the place: the nearest elsewhere", (
        T("treatment in Siem Reap", RESULTS, says=("no service of this kind within 50 km of Siemreap",),
          shows=FROM_SIEM_REAP,
          event=Event("find_clinic", "served_farther", "17")),
    )),
    Case("two places named: the bot asks which, numbered", (
        T("1", ASK),
        T("Battambang or Siem Reap", CHOOSE, says=("Which place do you mean", "1 Battambang",
                                                   "2 Siemreap")),
        T("2", RESULTS, says=("within 50 km of Siemreap",), shows=FROM_SIEM_REAP,
          event=Event("find_clinic", "served_farther", "17")),
    ), hint=EN),
    Case("nothing within reach: said honestly, with the nearest and a phone line to ask", (
        T("treatment in Siem Reap", RESULTS,
          says=("no service of this kind within 50 km of Siemreap", "call 012 000 119"),
          shows=OPEN_BTB,
          event=Event("find_clinic", "served_farther", "17")),
    ), directory=InMemoryDirectory(SERVICES, helpline="012 000 119")),
    Case("nothing listed at all", (
        T("methadone Battambang", MENU, says=("No service of this kind is listed yet", "119"),
          event=Event("find_methadone", "no_service", "02")),
    ), directory=EMPTY, hint=EN),
    Case("STOP forgets the conversation", (
        T("1", ASK),
        T("STOP", None, says=(Texts.stopped,), locale=EN),
        T("hello", MENU, says=(Texts.menu,)),
    )),
    Case("khmer stop forgets the conversation, in khmer", (
        T("ព្យាបាលនៅបាត់ដំបង", RESULTS, event=Event("find_clinic", "served_within_10km", "02"), shows=OPEN_BTB[:1]),
        T("ឈប់", None, says=(Texts.stopped,), locale=KM),
    )),
    Case("stop inside a sentence is not an opt-out", (
        T("ខ្ញុំចង់ឈប់ប្រើយ៉ាម៉ា", ASK, locale=KM),
    )),
    Case("language switch: English, then khmer script is still answered in khmer", (
        T("English", MENU, says=("OK, I will answer in English.", Texts.menu_items), locale=EN),
        T("1", ASK, says=("which province",), locale=EN),
        T("ភ្នំពេញ", RESULTS, shows=("Doun Penh Clinic",),
          says=("គ្លីនិកដូនពេញ",), silent=("Doun Penh Clinic",),
          event=Event("find_clinic", "served_within_10km", "12"), locale=KM),
    )),
    Case("a chosen language sticks for messages that say nothing of their language", (
        T("ENGLISH", MENU, locale=EN),
        T("1", ASK, locale=EN),
        T("Battambang", RESULTS, shows=ALL5, event=Event("find_clinic", "served_within_10km", "02"), locale=EN),
    ), hint=KM),
    Case("khmer chosen on telegram with an english hint", (
        T("Khmer", MENU, says=(Texts.language_set, Texts.menu_items), locale=KM),
        T("2", ASK, locale=KM),
    ), channel=Channel.TELEGRAM, hint=EN),
    Case("emergency as a first message", (
        # English first aid fits the six segments an emergency may use: one message, whole
        T("methadone overdose help", MENU, says=(Texts.emergency, "119", "naloxone"),
          silent=NO_POLICE,
          event=Event("emergency", "emergency"), locale=EN),
    )),
    Case("emergency while asked for a place", (
        T("3", ASK),
        T("he is not breathing", MENU, says=(Texts.emergency, "119"), silent=NO_POLICE,
          event=Event("emergency", "emergency"), locale=EN),
    ), hint=EN),
    Case("emergency naming a place while asked for one", (
        T("1", ASK),
        T("overdose in Battambang", MENU, says=(Texts.emergency,), silent=NO_POLICE, shows=(),
          event=Event("emergency", "emergency")),
    ), hint=EN),
    Case("emergency in khmer after results", (
        T("ព្យាបាលនៅបាត់ដំបង", RESULTS, shows=OPEN_BTB[:1], event=Event("find_clinic", "served_within_10km", "02")),
        T("មិត្តខ្ញុំសន្លប់", PAGES, says=(Texts.emergency,), silent=NO_POLICE,
          event=Event("emergency", "emergency"), locale=KM),
    )),
    Case("emergency in the questions menu", (
        T("4", FAQ, says=(Texts.faq_menu,)),
        T("someone passed out", MENU, says=(Texts.emergency, Texts.rescue_breaths, Texts.cpr),
          silent=NO_POLICE, event=Event("emergency", "emergency")),
        # inside the emergency, "more" has read everything: stay with them
        T("more", MENU, says=(Texts.stay,), silent=NO_POLICE),
    ), hint=EN),
    Case("first aid in khmer comes a page at a time, each within six segments", (
        T("មិត្តខ្ញុំសន្លប់ មិនដកដង្ហើម", PAGES, says=(Texts.emergency,), silent=NO_POLICE,
          event=Event("emergency", "emergency"), locale=KM),
        T("បន្ថែម", PAGES, says=(Texts.cpr,), silent=NO_POLICE, locale=KM),
    )),
    Case("menu 6 is the emergency advice", (
        T("menu", MENU),
        T("6", MENU, says=(Texts.emergency,), silent=NO_POLICE,
          event=Event("emergency", "emergency")),
    )),
    Case("repeated gibberish: the menu twice, then a short reply without the menu", (
        T("asdfgh", MENU, says=(Texts.emergency_line, Texts.menu_items), silent=("asdfgh",),
          event=Event("unknown", "not_understood")),
        T("qwerty uiop", MENU, says=(Texts.not_understood, Texts.menu_items), silent=("qwerty",)),
        T("zxcvbn", MENU, says=(Texts.still_not_understood,), silent=(Texts.menu, "zxcvbn")),
        T("zxcvbn", MENU, says=(Texts.still_not_understood,), silent=(Texts.menu,)),
        T("1", ASK),
    ), hint=EN),
    Case("repeated gibberish after the menu", (
        T("hi", MENU, says=(Texts.menu,)),
        T("blorp", MENU, says=(Texts.not_understood, Texts.menu_items),
          event=Event("unknown", "not_understood")),
        T("flarp", MENU, says=(Texts.not_understood, Texts.menu_items)),
        T("snarf", MENU, says=(Texts.still_not_understood,), silent=(Texts.menu_items,)),
    )),
    Case("a menu number out of range is a misunderstanding", (
        T("hi", MENU),
        T("9", MENU, says=(Texts.not_understood, Texts.menu_items), event=Event("unknown", "not_understood")),
    )),
    Case("FAQ: menu 4 then 2 gives the privacy promise, page by page", (
        T("hi", MENU),
        T("4", FAQ, says=(Texts.faq_menu,), locale=EN),
        T("2", PAGES, says=(Texts.not_police, Texts.faq_privacy, "Reply MORE"),
          event=Event("faq_privacy", "answered"), locale=EN),
        T("MORE", MENU, says=("WhatsApp, Telegram and our SMS provider can still see",), locale=EN),
    )),
    Case("a three-page answer, then MORE past the end goes back to the menu", (
        T("what is methadone", MENU, says=(Texts.faq_methadone, "tolerance drops", "Reply 3"),
          event=Event("faq_methadone", "answered")),
        T("more", MENU, says=(Texts.not_understood,), event=Event("unknown", "not_understood")),
        T("1", ASK),
    ), hint=EN),
    Case("on Telegram an answer comes whole", (
        T("will the police know?", MENU, says=("is not the police", "phone company"),
          event=Event("faq_privacy", "answered")),
    ), channel=Channel.TELEGRAM),
    Case("FAQ in khmer digits", (
        T("សួស្តី", MENU),
        T("៤", FAQ, says=(Texts.faq_menu,), locale=KM),
        T("៣", PAGES, says=(Texts.faq_voluntary,), event=Event("faq_voluntary", "answered"), locale=KM),
        T("បន្ថែម", MENU, says=("សហគមន៍",), locale=KM),
    )),
    Case("family advice ends by asking where, then finds a clinic", (
        T("my son uses yama", ASK, says=(Texts.family, "person chooses it", "send your province or town"),
          event=Event("family", "answered")),
        T("Battambang", RESULTS, shows=ALL5, event=Event("find_clinic", "served_within_10km", "02")),
    ), hint=EN),
    Case("a near-miss spelling is offered back, and YES takes it", (
        T("hi", MENU),
        T("mehtadnoe", CONFIRM, says=("Did you mean",), locale=EN),
        T("yes", ASK, says=("which province",), locale=EN),
    )),
    Case("a near-miss offered back, and something else is understood as usual", (
        T("hi", MENU),
        T("mehtadnoe", CONFIRM, says=("Did you mean",)),
        T("3", ASK),
    )),
    Case("FAQ 0 goes back to the menu", (
        T("4", FAQ),
        T("0", MENU, says=(Texts.menu,)),
    )),
    Case("a question asked in words", (
        T("will the police know?", MENU, says=(Texts.not_police, "how they keep your name"),
          event=Event("faq_privacy", "answered")),
        T("my son uses yama", ASK, says=(Texts.family,), event=Event("family", "answered")),
    )),
    Case("a photo gets the text-only reply and keeps the step", (
        T("", START, says=(Texts.text_only,), photo=True),
        T("1", ASK),
        T("", ASK, says=(Texts.text_only,), photo=True),
        T("Battambang", RESULTS, shows=ALL5, event=Event("find_clinic", "served_within_10km", "02")),
    ), hint=EN),
    Case("a place not found is asked again: never a whole-country list unasked", (
        T("1", ASK),
        T("xyzzy", ASK, says=(Texts.place_not_found,), silent=("xyzzy",)),
        T("plugh", ASK, says=(Texts.place_not_found,), silent=("plugh", "all of Cambodia")),
        T("0", RESULTS, says=("all of Cambodia",),
          shows=("Chamkar Clinic", "Doun Penh Clinic", "Kdol Clinic", "Wat Kor Clinic",
                 "Anlong Vil Clinic"),
          event=Event("find_clinic", "served", None)),
    ), hint=EN),
    Case("telegram gets the results as one message", (
        T("needle exchange Battambang", RESULTS, shows=("BTB Drop-in", "BTB Needle Exchange"),
          event=Event("find_needle_exchange", "served_within_10km", "02")),
        # a number is the listed service's details; the place is remembered for the next search
        T("2", RESULTS, shows=("BTB Needle Exchange",), says=("Street 6",)),
        T("clinic", RESULTS, shows=OPEN_BTB, says=(MORE_HINT,),
          event=Event("find_clinic", "served_within_10km", "02")),
    ), channel=Channel.TELEGRAM, hint=EN),
    Case("whatsapp replies are split for SMS budgets too", (
        T("ព្យាបាលនៅបាត់ដំបង", RESULTS, shows=OPEN_BTB, event=Event("find_clinic", "served_within_10km", "02")),
    ), channel=Channel.WHATSAPP),
    Case("a person: asked, agreed, then everything goes to them, and STOP ends it", (
        T("can I talk to a real person?", CONFIRM,
          says=("never see your number", "72 hours", "Reply YES"), silent=("opens",),
          locale=EN),
        T("yes", Step.HANDOFF, says=("An outreach worker will write here", "STOP ends"),
          event=Event("menu", "handoff_asked")),
        T("my son injects, what can I do", Step.HANDOFF, says=("Sent to the outreach worker",),
          relayed=True),
        T("are you there?", Step.HANDOFF, quiet=True, relayed=True),
        T("MENU", Step.HANDOFF, quiet=True, relayed=True),
        T("he is not breathing", Step.HANDOFF, says=("call 119",), relayed=True,
          event=Event("emergency", "emergency")),
        T("STOP", None, says=(Texts.stopped,)),
    ), desk=ALWAYS_AT_WORK),
    Case("a person out of hours: told when workers are back, and the bot answers meanwhile", (
        T("ខ្ញុំចង់និយាយជាមួយមនុស្ស", CONFIRM, says=("៧២",), locale=KM),
        T("យល់ព្រម", MENU, says=("ច័ន្ទ", "ម៉ឺនុយ"), event=Event("menu", "handoff_asked")),
        T("ខ្ញុំចង់និយាយជាមួយមនុស្ស", MENU, silent=("៧២",)),
        T("៣", ASK, says=("មេតាដូន",)),
    ), desk=WEEKDAYS),
    Case("the questions menu offers a person too", (
        T("4", FAQ, says=("5 Talk to a person",), locale=EN),
        T("5", CONFIRM, says=("never see your number",)),
    ), hint=EN, desk=ALWAYS_AT_WORK),
    Case("a person, but the texter changes their mind", (
        T("can i talk to someone", CONFIRM, locale=EN),
        T("MENU", MENU, says=(Texts.menu,)),
    ), desk=WEEKDAYS),
    Case("a person where no worker takes handoffs: the honest answer", (
        T("can I talk to a real person?", MENU, says=("no person reads this chat",),
          event=Event("menu", "answered")),
    )),
    Case("in a handoff a photo or a location does not reach the worker", (
        T("real person please", CONFIRM, locale=EN),
        T("YES", Step.HANDOFF, event=Event("menu", "handoff_asked")),
        T("", Step.HANDOFF, says=("Only text reaches",), photo=True),
    ), channel=Channel.TELEGRAM, hint=EN, desk=ALWAYS_AT_WORK),
]


def _text(item: Text, texts: Texts) -> str:
    """The expected text; for a paged answer its first page (SMS shows one page at a time)."""
    if isinstance(item, str):
        return item
    value = item(texts)
    return value if isinstance(value, str) else value[0]


def stored(state: State | None) -> State:
    """What the next turn sees: the state after a round trip through the conversation row."""
    if state is None:
        return State()  # the row was deleted
    locale = str(state.locale) if state.locale else None
    raw = state.data_json()
    json.loads(raw)  # the column holds plain JSON
    return State.restore(locale, str(state.step), raw)


def run_turn(case: Case, turn: T, state: State, number: int) -> Reply:
    inbound = Inbound(
        channel=case.channel,
        sender_key=SENDER,
        text=turn.text,
        locale_hint=case.hint,
        provider_id=f"delivery-{number}",
        unsupported=turn.photo,
    )
    return bot.handle(inbound, state, case.directory, NOW, points=POINTS, desk=case.desk)


def listed(reply_text: str) -> list[str]:
    """English names of the services in a reply, in order, found by their unique phone numbers."""
    positions = sorted((reply_text.find(s.phone), s.name_en) for s in SERVICES if s.phone in reply_text)
    return [name for _, name in positions]


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_conversation(case: Case) -> None:
    state = State()
    for number, turn in enumerate(case.turns, start=1):
        where = f"turn {number} {turn.text!r}"
        reply = run_turn(case, turn, state, number)
        texts = Texts(reply.locale)
        joined = "\n".join(m.text for m in reply.messages)

        assert bool(reply.messages) is not turn.quiet, where
        assert reply.relay is turn.relayed, where
        if turn.step is None:
            assert reply.state is None, where
        else:
            assert reply.state is not None, where
            assert reply.state.step is turn.step, where
            assert reply.state.locale is reply.locale, where
        if turn.locale is not None:
            assert reply.locale is turn.locale, where
            assert has_khmer(joined) is (turn.locale is Locale.KM), where
        for item in turn.says:
            assert _text(item, texts) in joined, f"{where}: missing {_text(item, texts)[:60]!r}"
        for item in turn.silent:
            assert _text(item, texts) not in joined, f"{where}: unexpected {_text(item, texts)[:60]!r}"
        if turn.shows is not None:
            assert listed(joined) == list(turn.shows), where
            for name in turn.shows:
                assert BY_NAME[name].name(str(reply.locale)) in joined, where
        check_channel(case.channel, reply, where)
        check_event(reply.demand_event, turn.event, where)
        check_nothing_typed_is_kept(reply, case.turns[:number], where)
        state = stored(reply.state)


def check_channel(channel: Channel, reply: Reply, where: str) -> None:
    if channel is Channel.TELEGRAM:
        assert len(reply.messages) == 1, where
        return
    if channel is Channel.SMS:  # every reply to one SMS, together
        spent = sum(segment_count(message.text) for message in reply.messages)
        assert spent <= budget_for(reply.kind), f"{where}: {spent} segments"


def check_event(event: DemandEvent | None, expected: Event | None, where: str) -> None:
    if expected is None:
        assert event is None, where
        return
    assert event is not None, where
    assert (event.intent, event.outcome, event.province_code) == (
        expected.intent,
        expected.outcome,
        expected.province,
    ), where
    local = NOW.astimezone(CAMBODIA)
    assert event.day == local.date().isoformat() and event.hour == local.hour, where
    assert event.intent in INTENTS, where
    assert event.district_code is None or re.fullmatch(r"\d{4}", event.district_code), where
    assert event.province_code is None or re.fullmatch(r"\d{2}", event.province_code), where
    assert set(event.as_dict()) == {
        "day", "hour", "channel", "locale", "intent", "service_type",
        "province_code", "district_code", "outcome",
    }, where


def check_nothing_typed_is_kept(reply: Reply, turns: tuple[T, ...], where: str) -> None:
    """The demand event and the stored state hold only values from closed vocabularies (names,
    codes, numbers), never anything the user typed."""
    event = reply.demand_event.as_dict() if reply.demand_event else {}
    for name, value in event.items():
        if value is None or isinstance(value, int):
            continue
        assert isinstance(value, str), f"{where}: event {name} = {value!r}"
        assert value in VOCABULARY or re.fullmatch(CODE, value), f"{where}: event {name} = {value!r}"
    data = reply.state.data if reply.state else {}
    for name, value in _leaves(data):
        assert isinstance(value, (int, bool)) or value in VOCABULARY or re.fullmatch(CODE, value), (
            f"{where}: state {name} = {value!r}"
        )
    kept = json.dumps(event, ensure_ascii=False) + (reply.state.data_json() if reply.state else "")
    kept = kept.casefold()
    assert SENDER not in kept, where
    for turn in turns:
        for word in turn.text.casefold().split():
            if len(word) >= 4 and not any(word in known for known in VOCABULARY):
                assert word not in kept, f"{where}: {word!r} was kept"


#: Codes, dates and the minute a mode ends ("2026-03-16T03:00").
CODE = r"\d{2}|\d{4}|\d{6}|\d{8}|\d{4}-\d{2}-\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"
VOCABULARY = frozenset(
    [*INTENTS, *ANSWERS, *Outcome, "handoff", *MODES, *WHO]
    + [str(v) for enum in (Channel, Locale, ServiceType) for v in enum]
)


def _leaves(data: object, name: str = "") -> list[tuple[str, object]]:
    """Every value kept in the state, with where it is (lists and objects opened)."""
    if isinstance(data, dict):
        return [leaf for key, value in data.items() for leaf in _leaves(value, f"{name}.{key}")]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value, name)]
    return [(name, data)]


# --- properties over every case ---------------------------------------------------------------


@pytest.mark.parametrize("locale", [Locale.KM, Locale.EN])
def test_every_sms_reply_fits_its_budget_in_both_languages(locale: Locale) -> None:
    """All the replies to any one inbound SMS of any transcript, replayed in both languages,
    fit the budget together: three segments, six for an emergency or a crisis."""
    for case in CASES:
        state = State(locale=locale, data={"locale_settled": True})
        for number, turn in enumerate(case.turns, start=1):
            if turn.text and has_khmer(turn.text) and locale is Locale.EN:
                continue
            reply = bot.handle(
                Inbound(Channel.SMS, SENDER, turn.text, provider_id=str(number), unsupported=turn.photo),
                state,
                case.directory,
                NOW,
                points=POINTS,
                desk=case.desk,
            )
            # the budget is per inbound message: all its replies together
            spent = sum(segment_count(message.text) for message in reply.messages)
            assert spent <= budget_for(reply.kind), (case.label, turn.text, spent)
            state = stored(reply.state)


def test_the_transcripts_reach_every_step_and_outcome() -> None:
    steps = {t.step for c in CASES for t in c.turns}
    assert steps >= set(Step) | {None}
    outcomes = {t.event.outcome for c in CASES for t in c.turns if t.event}
    assert outcomes >= {
        "served", "served_within_10km", "served_farther", "no_service", "emergency", "answered",
        "not_understood", "handoff_asked",
    }
    assert {c.channel for c in CASES} == set(Channel)


def test_the_clock_is_the_one_given() -> None:
    later = datetime(2027, 1, 2, 23, 5, tzinfo=UTC)
    reply = bot.handle(Inbound(Channel.SMS, SENDER, "overdose"), State(), DIRECTORY, later, points=POINTS)
    assert reply.demand_event is not None
    # Dated in Cambodia's time (UTC+7): 23:05 UTC is 06:05 the next morning in Phnom Penh.
    assert (reply.demand_event.day, reply.demand_event.hour) == ("2027-01-03", 6)


def test_unreadable_stored_state_starts_afresh() -> None:
    state = State.restore("xx", "no-such-step", "[1, 2]")
    assert state == State()
    reply = bot.handle(Inbound(Channel.SMS, SENDER, "hello"), state, DIRECTORY, NOW, points=POINTS)
    assert reply.state is not None and reply.state.step is Step.MENU
