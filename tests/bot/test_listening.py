"""Conversations as people have them: questions asked in the middle of a search, places sent
after an answer, misspelt services beside a place, same-named villages, services closed at
night, a language that must not flip, and messages with no words at all.

Each conversation states, per message, what the reply must do (the next step, words it must
hold, its language), and every reply to one SMS must fit the segment budget together. The whole
exchange is also kept as a readable transcript in ``tests/bot/transcripts/`` (one file per
conversation: ``>`` the person, ``<`` Sangkhim, ``=`` what was kept), so any change of wording or
order shows up as a diff to review:

    .venv/bin/pytest tests/bot/test_listening.py --update-goldens

rewrites the transcripts after an intended change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot
from bot.segments import SMS_SEGMENT_BUDGET, budget_for
from bot.types import Desk, Inbound, Reply, State, Step
from core.directory import InMemoryDirectory
from core.geo import GeoPoint, ReferencePoints
from core.sms_length import segment_count
from core.vocabulary import Channel, Locale
from tests.bot.test_flows import DIRECTORY, POINTS, SENDER, SERVICES, stored

TRANSCRIPTS = Path(__file__).parent / "transcripts"
EN, KM = Locale.EN, Locale.KM
#: Monday 16 March 2026, 09:00 in Phnom Penh (02:00 UTC): clinics are open.
MORNING = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)
#: The same Monday at 23:30 in Phnom Penh: every clinic is closed.
NIGHT = datetime(2026, 3, 16, 16, 30, tzinfo=UTC)
#: Tuesday 14 April 2026, 09:00 in Phnom Penh: the first of Khmer New Year's three days.
NEW_YEAR = datetime(2026, 4, 14, 2, 0, tzinfo=UTC)

#: The tests' reference points and one district's, so a shared location can be coarsened.
WITH_DISTRICT = ReferencePoints({**{c: POINTS.point(c) for c in ("02", "12", "17")},  # type: ignore[misc]
                                 "0203": GeoPoint(13.0957, 103.2022)})
BTB = SERVICES[5]  # the Battambang needle exchange (walk-in)
#: "Clean needles now" at night: an appointment-only exchange next door, open one hour a day,
#: and a walk-in drop-in a little farther that opens early.
NIGHT_NEEDLES = InMemoryDirectory([
    replace(BTB, id=21, name_en="Hour-a-day Exchange", name_km="កន្លែងប្តូរម្ជុល ១ម៉ោង",
            opening_hours="Mo-Fr 14:00-15:00", is_walk_in=False, phone="012 345 021"),
    replace(SERVICES[6], id=22, name_en="Early Drop-in", name_km="មណ្ឌលស្វាគមន៍ពេលព្រឹក",
            opening_hours="Mo-Su 06:00-20:00", is_walk_in=True, phone="012 345 022",
            latitude=13.13, longitude=103.21),
])
#: A paid methadone clinic 1 km away and a free one a few kilometres farther.
FEES = InMemoryDirectory([
    replace(SERVICES[7], id=31, name_en="Paid Methadone", name_km="មេតាដូនបង់ថ្លៃ",
            is_free=False, is_walk_in=True, phone="012 345 031",
            latitude=11.5715, longitude=104.9160, opening_hours="Mo-Su 07:00-11:00"),
    replace(SERVICES[7], id=32, name_en="Free Methadone", name_km="មេតាដូនឥតគិតថ្លៃ",
            is_free=True, is_walk_in=True, phone="012 345 032",
            latitude=11.5925, longitude=104.9160, opening_hours="Mo-Su 07:00-11:00"),
])
#: Methadone in Phnom Penh: a weekday clinic (Mo-Fr, closed on public holidays), one open every
#: day (it keeps its hours on holidays) and one with hours of its own on holidays.
HOLIDAY_METHADONE = InMemoryDirectory([
    SERVICES[7],  # Chamkar Mon Methadone, Mo-Fr 08:00-17:00
    replace(SERVICES[7], id=33, name_en="Daily Methadone", name_km="មេតាដូនរាល់ថ្ងៃ",
            opening_hours="Mo-Su 07:00-11:00", is_walk_in=True, phone="012 345 033"),
    replace(SERVICES[7], id=34, name_en="Half-day Methadone", name_km="មេតាដូនពាក់កណ្ដាលថ្ងៃ",
            opening_hours="Mo-Fr 08:00-17:00; PH 08:00-12:00", phone="012 345 034"),
])
#: Voluntary treatment in Battambang: a clinic open on Saturday mornings, closed on Sundays,
#: and a drop-in style clinic open every day.
WEEKEND = InMemoryDirectory([
    replace(SERVICES[1], opening_hours="Mo-Fr 08:00-17:00; Sa 08:00-12:00"),  # Chamkar Clinic
    replace(SERVICES[2], opening_hours="Mo-Su 08:00-16:00", is_walk_in=True),  # Kdol Clinic
])


@dataclass(frozen=True)
class Say:
    """One message and what its reply must do."""

    text: str
    step: Step | None
    holds: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    locale: Locale | None = None
    location: GeoPoint | None = None
    #: No reply (a message that goes to the outreach worker, who answers later).
    quiet: bool = False


@dataclass(frozen=True)
class Talk:
    label: str
    turns: tuple[Say, ...]
    channel: Channel = Channel.SMS
    hint: Locale | None = None
    directory: InMemoryDirectory = DIRECTORY
    now: datetime = MORNING
    points: ReferencePoints = POINTS
    #: Outreach workers who take handoffs (None: nobody does).
    desk: Desk | None = None

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.label.lower()).strip("_")


MENU, ASK, RESULTS, CHOOSE, PAGES, CONFIRM, HANDOFF = (
    Step.MENU, Step.ASK_PLACE, Step.RESULTS, Step.CHOOSE_PLACE, Step.PAGES, Step.CONFIRM,
    Step.HANDOFF,
)

TALKS = [
    # --- the place question does not swallow questions ----------------------------------------
    Talk("a question while asked for a place is answered, then the search goes on", (
        Say("3", ASK, ("Methadone: which province",), locale=EN),
        Say("how do I talk to him without a fight", ASK,
            ("without shame or blame", "To find methadone, send your province"),
            lacks=("all of Cambodia", "nearest voluntary clinic")),
        Say("Battambang", RESULTS, ("within 50 km of Battambang", "Chamkar Mon Methadone")),
    ), hint=EN),
    Talk("dropped out, asked while waiting for a place: answered, then the search goes on", (
        Say("1", ASK, locale=EN),
        Say("will they take me back if I dropped out?", ASK,
            ("Yes, you can go back", "To find voluntary treatment, send your province"),
            lacks=("could not find that place",)),
        Say("Siem Reap", RESULTS, ("Chamkar Clinic",)),
    ), hint=EN),
    Talk("two messages that are not places never give a national list", (
        Say("1", ASK),
        Say("near the market", ASK, ("could not find that place",), lacks=("all of Cambodia",)),
        Say("by the river", ASK, ("could not find that place",), lacks=("all of Cambodia",)),
        Say("0", RESULTS, ("all of Cambodia",)),
    ), hint=EN),
    # --- context kept ----------------------------------------------------------------------
    Talk("a place sent after an answer finds what the answer led to", (
        Say("what is methadone", MENU, ("medicine you drink", "Reply 3")),
        Say("Phnom Penh", RESULTS, ("Methadone near Phnom Penh", "Chamkar Mon Methadone")),
    )),
    Talk("a misspelt service beside a misspelt place", (
        Say("niddle exchange phnom phen", RESULTS,
            ("within 50 km of Phnom Penh", "BTB Drop-in"), lacks=("Reply a number:",), locale=EN),
    )),
    Talk("a misspelt clinic in Siem Reap", (
        Say("clinc in siemreab", RESULTS, ("within 50 km of Siemreap", "Chamkar Clinic"), locale=EN),
    )),
    Talk("a place alone is kept and the menu finds the service there", (
        Say("Battambang", MENU, ("Battambang: what do you need there?", "1 Voluntary treatment")),
        Say("2", RESULTS, ("Needle and syringe exchange, drop-in near Battambang",)),
    ), hint=EN),
    # --- same-named places ---------------------------------------------------------------------
    Talk("same-named villages: told apart, with a way out", (
        Say("1", ASK),
        Say("Thmei village", CHOOSE, ("Places called Thmei are in 24 provinces",
                                      "0 for none of these")),
        Say("Phnom Penh", CHOOSE, ("Which place do you mean", " > Phnom Penh",
                                   "0 None of these")),
        Say("0", ASK, ("which province or town",)),
    ), hint=EN),
    Talk("a name many places share asks for the province first", (
        # six communes and 38 villages are called Prasat ("temple"), in 14 provinces
        Say("clinic in Prasat", CHOOSE, ("Places called Prasat are in 14 provinces",
                                         "0 for none of these")),
        Say("Battambang", CHOOSE, ("I know no Prasat there", "Which province?")),
        Say("Siem Reap", CHOOSE, ("1 Prasat > Varin > Siemreap", "0 None of these")),
        Say("1", RESULTS, ("of Prasat", "Chamkar Clinic")),
    ), hint=EN),
    # --- a place needs evidence (issue: ordinary words, namesakes, pairs) ------------------
    Talk("everyday words are not places: use again, near the market, at home", (
        # the urge to use again gets words about cravings, then the search it leads to
        Say("i want to use again", ASK, ("Cravings come and go", "send your province or town"),
            lacks=("near", "Reply a number for details")),
        Say("I live near the market", ASK, ("could not find that place",),
            lacks=("Reply a number for details",)),
        Say("knhom nov phteah", ASK, ("could not find that place",),
            lacks=("Reply a number for details",)),
        Say("battambang", RESULTS, ("near Battambang", "Chamkar Clinic")),
    ), hint=EN),
    Talk("a village name alone answers the place question", (
        Say("1", ASK, ("which province or town",), locale=EN),
        Say("kantrak", RESULTS, ("of Kantrak", "Chamkar Clinic")),
    ), hint=EN),
    Talk("a service in a village name many provinces share: which province, then the list", (
        Say("clinic in Thmei", CHOOSE, ("Places called Thmei are in 24 provinces",
                                        "0 for none of these"), locale=EN),
        Say("Svay Rieng", CHOOSE, ("1 Thmei > Kampong Rou > Svay Rieng", "0 None of these")),
        Say("1", RESULTS, ("near Thmei", "Doun Penh Clinic")),
    ), hint=EN),
    Talk("methadone at a commune named like villages in eight provinces: which province", (
        Say("methadone at Trapeang Veng", CHOOSE,
            ("Places called Trapeang Veaeng are in 8 provinces",), locale=EN),
        Say("Kandal", CHOOSE, ("1 Trapeang Veaeng > Kandal Stueng > Kandal",
                               "2 Trapeang Veaeng > Angk Snuol > Kandal", "0 None of these")),
    ), hint=EN),
    Talk("a village beside its commune is the one inside it", (
        Say("needles near Trapeang Chhuk, Mien", RESULTS, ("near Trapeang Chhuk", "BTB Drop-in"),
            lacks=("Which province",), locale=EN),
    ), hint=EN),
    Talk("a generic name beside its province: no province question", (
        Say("clinic near Thmei, Svay Rieng", RESULTS, ("near Thmei", "Doun Penh Clinic"),
            lacks=("Which province",), locale=EN),
    ), hint=EN),
    Talk("a khmer list of namesakes on sms fits three segments", (
        Say("ខ្ញុំរកមេតាដូន", ASK, locale=KM),
        Say("ភូមិថ្មី", CHOOSE, ("ខេត្តណា?",), locale=KM),
        # five villages of Banteay Meanchey: "place > commune > district", the province known
        Say("បន្ទាយមានជ័យ", CHOOSE, ("១ ថ្មី > ប្រាសាទ > ព្រះនេត្រព្រះ", "០ មិនមែនទាំងនេះទេ"),
            lacks=("បន្ទាយមានជ័យ",), locale=KM),
        Say("២", RESULTS, ("ថ្មី", "មេតាដូន ចំការមន"), locale=KM),
    )),
    Talk("thousands of namesakes: the province, then the villages there", (
        Say("ភូមិថ្មី", CHOOSE, ("ខេត្តណា?",), locale=KM),
        Say("ភ្នំពេញ", CHOOSE, (" > ដង្កោ > ", "០ មិនមែនទាំងនេះទេ"), locale=KM),
        Say("០", MENU, locale=KM),
    )),
    # --- families, methadone, and what helps --------------------------------------------------
    Talk("a mother whose son injects: needles, methadone, then methadone near her", (
        Say("my son injects heroin, what should I do", PAGES,
            ("without shame or blame", "new needle and syringe every time", "Reply 2"),
            locale=EN),
        Say("MORE", ASK, ("methadone helps", "To find methadone, send your province"),
            locale=EN),
        Say("Phnom Penh", RESULTS, ("Methadone near Phnom Penh", "Chamkar Mon Methadone")),
    )),
    Talk("in khmer on telegram: the whole advice, then methadone for him near me", (
        Say("កូនប្រុសខ្ញុំចាក់ហេរ៉ូអ៊ីន ខ្ញុំគួរធ្វើអ្វី", ASK,
            ("ម្ជុល និងសឺរ៉ាំងថ្មីរាល់ដង", "មេតាដូនអាចជួយ"), locale=KM),
        # the advice again (the model reads a relative's "find" as family/injecting) would
        # be nine segments the person has just read: where, once more
        Say("រកមេតាដូនឲ្យគាត់នៅជិតខ្ញុំ", ASK, ("មេតាដូន៖ តើអ្នកនៅខេត្ត",),
            lacks=("មេតាដូនអាចជួយ", "ម្ជុល និងសឺរ៉ាំងថ្មីរាល់ដង"), locale=KM),
        Say("ភ្នំពេញ", RESULTS, ("មេតាដូន ចំការមន",), locale=KM),
    ), channel=Channel.TELEGRAM, hint=KM),
    Talk("on telegram: the same advice asked twice while the bot waits, then where", (
        Say("my son injects heroin, what should I do?", ASK,
            ("new needle and syringe", "methadone helps"), locale=EN),
        Say("my son injects heroin, what should I do?", ASK, ("Methadone: which province",),
            lacks=("new needle and syringe", "methadone helps")),
        Say("no idea", ASK, ("could not find that place",)),
        Say("my son injects heroin, what should I do?", ASK, ("Methadone: which province",),
            lacks=("methadone helps",)),
        Say("Phnom Penh", RESULTS, ("Chamkar Mon Methadone",)),
    ), channel=Channel.TELEGRAM, hint=EN),
    Talk("on sms: the advice in pages, methadone for him, then the advice asked again", (
        Say("my son injects heroin, what should I do?", PAGES, ("Talk when you are both calm",),
            locale=EN),
        Say("MORE", ASK, ("methadone helps", "To find methadone")),
        Say("find methadone for him near me", ASK, ("Methadone: which province",)),
        Say("my son injects heroin, what should I do?", ASK, ("Methadone: which province",),
            lacks=("Talk when you are both calm",)),
        Say("Phnom Penh", RESULTS, ("Chamkar Mon Methadone",)),
    ), hint=EN),
    Talk("on telegram: other advice while the bot waits is still given", (
        Say("my son uses yama, what should I do?", ASK, ("Talk when you are both calm",),
            locale=EN),
        Say("he injects heroin too, what should I do?", ASK, ("methadone helps",)),
    ), channel=Channel.TELEGRAM, hint=EN),
    Talk("methadone is for opioids: what helps with yama, then a clinic", (
        Say("can I get methadone if I use yama?", MENU,
            ("does not treat yama", "voluntary treatment helps", "Reply 1"), locale=EN),
        Say("Siem Reap", RESULTS, ("Chamkar Clinic",)),
    )),
    Talk("back to methadone after two months: yes, then the nearest with its hours", (
        Say("I stopped methadone 2 months ago, can I go back?", ASK,
            ("Yes, you can go back", "restart low", "To find methadone, send your province"),
            locale=EN),
        Say("Phnom Penh", RESULTS, ("Chamkar Mon Methadone", "open until")),
    )),
    Talk("back to methadone where the place is known: MORE shows the nearest", (
        Say("Phnom Penh", MENU, ("what do you need there?",), locale=EN),
        Say("will they take me back if I dropped out?", PAGES,
            ("Yes, you can go back", "restart low", "Reply MORE for methadone near Phnom Penh")),
        Say("MORE", RESULTS, ("Chamkar Mon Methadone", "open until")),
    ), hint=EN),
    Talk("in khmer on sms: back to methadone in pages, then the nearest", (
        Say("ភ្នំពេញ", MENU, locale=KM),
        Say("ខ្ញុំឈប់ផឹកមេតាដូនបីខែហើយ គេទទួលខ្ញុំវិញទេ", PAGES,
            ("អ្នកអាចត្រឡប់ទៅវិញបាន",), locale=KM),
        Say("បន្ថែម", PAGES, ("កម្រិតទាប",), locale=KM),
        Say("បន្ថែម", RESULTS, ("មេតាដូន ចំការមន", "បើកដល់"), locale=KM),
    )),
    Talk("back to methadone on telegram: the answer and the nearest in one message", (
        Say("ខ្ញុំនៅភ្នំពេញ", MENU, locale=KM),
        Say("ខ្ញុំឈប់ផឹកមេតាដូនបីខែហើយ គេទទួលខ្ញុំវិញទេ", RESULTS,
            ("អ្នកអាចត្រឡប់ទៅវិញបាន", "មេតាដូន ចំការមន"), locale=KM),
    ), channel=Channel.TELEGRAM, hint=KM),
    Talk("are they open now: the listed places with their status at this moment", (
        Say("are they open now?", MENU, ("Every place I list says if it is open now",)),
        Say("clean needles Battambang", RESULTS, ("1 Early Drop-in",)),
        Say("are they open now?", RESULTS,
            ("Now, the places listed", "1 Early Drop-in: closed now, opens tomorrow 6:00",
             "2 Hour-a-day Exchange: closed now, opens tomorrow 14:00")),
    ), directory=NIGHT_NEEDLES, now=NIGHT, hint=EN),
    # --- public holidays and the day asked ------------------------------------------------------
    Talk("khmer new year: a weekday clinic is closed today and says why, the daily one is open", (
        Say("methadone Phnom Penh", RESULTS,
            ("1 Daily Methadone", "open until 11:00",
             "closed today: Khmer New Year, opens Fri 8:00"), locale=EN),
        Say("are they open now?", RESULTS,
            ("Now, the places listed", "Daily Methadone: open until 11:00",
             "Half-day Methadone: open until 12:00 (Khmer New Year)")),
        Say("are they open tomorrow?", RESULTS,
            ("The places listed:", "Daily Methadone: tomorrow 7:00-11:00",
             "tomorrow: closed, Khmer New Year")),
    ), directory=HOLIDAY_METHADONE, now=NEW_YEAR, hint=EN),
    Talk("in khmer on khmer new year: page by page, each within the budget, saying why", (
        Say("ខ្ញុំរកមេតាដូន", ASK, locale=KM),
        Say("ភ្នំពេញ", RESULTS, ("១ មេតាដូនរាល់ថ្ងៃ", "បើកដល់ ១១:០០"), locale=KM),
        Say("បន្ថែម", RESULTS, ("បើកដល់ ១២:០០ (ព្រោះបុណ្យចូលឆ្នាំ)",), locale=KM),
        Say("បន្ថែម", RESULTS, ("មេតាដូន ចំការមន", "បិទថ្ងៃនេះ ព្រោះបុណ្យចូលឆ្នាំ, បើកសុក្រ ៨:០០"),
            locale=KM),
    ), directory=HOLIDAY_METHADONE, now=NEW_YEAR),
    Talk("asking for a person on khmer new year: workers are back on friday", (
        Say("can I talk to someone real?", CONFIRM, ("Reply YES",), locale=EN),
        Say("yes", MENU,
            ("Outreach workers: closed today: Khmer New Year, opens Fri 8:00",)),
    ), hint=EN, now=NEW_YEAR, desk=Desk("Mo-Fr 08:00-17:00", 72)),
    Talk("open on sunday: a clinic closed on sundays says so, the daily one gives its hours", (
        Say("clinic in Battambang", RESULTS, ("1 Kdol Clinic", "2 Chamkar Clinic"), locale=EN),
        Say("are they open on sunday?", RESULTS,
            ("The places listed:", "1 Kdol Clinic: Sun 8:00-16:00", "2 Chamkar Clinic: Sun closed"),
            lacks=("open until",)),
    ), directory=WEEKEND, hint=EN),
    Talk("in khmer, what time they open: the week's hours and today's", (
        Say("គ្លីនិកនៅបាត់ដំបង", RESULTS, ("គ្លីនិកក្តុល",), locale=KM),
        Say("បើកម៉ោងប៉ុន្មាន", RESULTS,
            ("១ គ្លីនិកក្តុល: ច័ន្ទ-អាទិត្យ ៨:០០-១៦:០០ (ថ្ងៃនេះ បើក ៨:០០-១៦:០០)",
             "សៅរ៍ ៨:០០-១២:០០"), locale=KM),
    ), directory=WEEKEND),
    Talk("i don't know is not an emergency", (
        Say("1", ASK),
        Say("I don't know", ASK, ("could not find that place",),
            lacks=("Thank you for telling me", "ambulance")),
    ), hint=EN),
    # --- a person ------------------------------------------------------------------------------
    Talk("asking for a person: what it means, YES, then everything goes to the worker", (
        Say("can I talk to someone real?", CONFIRM,
            ("never see your number", "deleted when it ends", "Reply YES"), locale=EN),
        Say("yes", HANDOFF, ("An outreach worker will write here", "STOP ends")),
        Say("my brother injects and I am scared for him", HANDOFF, ("Sent to the outreach",)),
        Say("hello?", HANDOFF, quiet=True),
        Say("he collapsed and is not breathing", HANDOFF, ("119", "naloxone")),
        Say("I'm so scared", HANDOFF, ("It is OK to be afraid", "outreach worker will write")),
        Say("ok thank you, I did that", HANDOFF, quiet=True),
        Say("STOP", None, ("deleted",)),
    ), hint=EN, desk=Desk("24/7", 72)),
    Talk("asking for a person out of hours on telegram: when, and the bot meanwhile", (
        Say("ខ្ញុំចង់និយាយជាមួយមនុស្ស", CONFIRM, ("មិនឃើញលេខរបស់អ្នក",), locale=KM),
        Say("យល់ព្រម", MENU, ("បើកពុធ ៨:០០", "ម៉ឺនុយ"), locale=KM),
        Say("ម៉ឺនុយ", MENU, ("មេតាដូន",), locale=KM),
    ), channel=Channel.TELEGRAM, hint=KM, desk=Desk("We-Fr 08:00-17:00", 72)),
    # --- what a person can reach now -----------------------------------------------------------
    Talk("clean needles at night: the walk-in that opens early comes first, and says so", (
        Say("clean needles Battambang", RESULTS,
            ("1 Early Drop-in", "closed now, opens tomorrow 6:00", "2 Hour-a-day Exchange",
             "call first")),
        Say("2", RESULTS, ("Hour-a-day Exchange", "Hours: Mon-Fri 14:00-15:00")),
    ), directory=NIGHT_NEEDLES, now=NIGHT),
    Talk("a free methadone clinic before a paid one next door, with the fee shown", (
        Say("methadone Phnom Penh", RESULTS,
            ("1 Free Methadone", "2 Paid Methadone", "fee", "open until 11:00")),
    ), directory=FEES, hint=EN),
    Talk("in khmer: compact lines, MORE, then details by number", (
        Say("ខ្ញុំរកមេតាដូន", ASK, locale=KM),
        Say("ភ្នំពេញ", RESULTS, ("មេតាដូន ចំការមន", "បើកដល់ ១៧:០០"), locale=KM),
        Say("១", RESULTS, ("មេតាដូន ចំការមន", "ផ្លូវលេខ 8"), locale=KM),
    )),
    Talk("romanised khmer: service and place in one message", (
        Say("chong rok methadone nov phnom penh", RESULTS, ("មេតាដូន ចំការមន",), locale=KM),
    )),
    # --- a question about deleting is answered; only a request deletes -------------------------
    Talk("a question about deleting is answered, then a plain request deletes", (
        Say("what happens if i delete this conversation", MENU,
            ("Sangkhim keeps no number", "Reply DELETE"), lacks=("Done: Sangkhim has deleted",)),
        Say("ok delete it", None, ("Sangkhim has deleted this conversation",)),
    ), hint=EN),
    Talk("in khmer: should I delete the messages? is answered, not acted on", (
        Say("ខ្ញុំខ្លាចគេឃើញសារ តើត្រូវលុបទេ", MENU, ("លុប",), locale=KM),
        Say("លុបវាចោល", None, locale=KM),
    )),
    # --- the language stays ----------------------------------------------------------------------
    Talk("an english conversation stays english for MENU and clinic", (
        Say("hello, where can I find help for my brother", ASK, ("without shame",), locale=EN),
        Say("MENU", MENU, ("1 Voluntary treatment",), locale=EN),
        Say("clinic", ASK, ("Voluntary treatment: which province",), locale=EN),
        Say("police are here help", ASK, ("Stay calm", "To find voluntary treatment"), locale=EN),
    )),
    Talk("a khmer conversation stays khmer for MORE", (
        Say("តើមេតាដូនជាអ្វី", PAGES, locale=KM),
        Say("MORE", PAGES, locale=KM),
    )),
    Talk("telegram stop answers a khmer user in khmer", (
        Say("/stop", None, ("សង្ឃឹមបានលុប",), locale=KM),
    ), channel=Channel.TELEGRAM, hint=KM),
    # --- no dead ends ----------------------------------------------------------------------------
    Talk("a location with no text asks what is needed there", (
        Say("", MENU, ("what do you need there?",), location=GeoPoint(13.0957, 103.2022)),
        Say("1", RESULTS, ("Voluntary treatment near", "Chamkar Clinic")),
    ), channel=Channel.TELEGRAM, hint=EN, points=WITH_DISTRICT),
    Talk("emoji only gets a kind word and the menu", (
        Say("🙏🙏", MENU, ("Thank you for writing", "1 Voluntary treatment"),
            lacks=("did not understand",)),
    ), hint=EN),
]


def play(talk: Talk) -> list[tuple[Say, Reply]]:
    state, exchange = State(), []
    for number, say in enumerate(talk.turns, start=1):
        inbound = Inbound(talk.channel, SENDER, say.text, locale_hint=talk.hint,
                          provider_id=f"delivery-{number}", location=say.location)
        reply = bot.handle(inbound, state, talk.directory, talk.now, points=talk.points,
                           desk=talk.desk)
        exchange.append((say, reply))
        state = stored(reply.state)
    return exchange


def transcript(talk: Talk, exchange: list[tuple[Say, Reply]]) -> str:
    """The conversation as a person would read it, with what was kept after each reply."""
    lines = [f"# {talk.label}", f"# {talk.channel.value}, {talk.now:%Y-%m-%d %H:%M} UTC", ""]
    for say, reply in exchange:
        lines.append(f"> {say.text}" if say.text else "> (a shared location)")
        for message in reply.messages:
            lines += [f"< {line}" for line in message.text.split("\n")]
            lines += [f"< [{button.label}]" for button in message.buttons]
        state = reply.state
        kept = f"step {state.step.value}" if state else "forgotten"
        spent = sum(segment_count(m.text) for m in reply.messages)
        event = reply.demand_event
        counted = f", counted {event.intent}/{event.outcome}" if event else ""
        lines += [f"= {kept}, {reply.locale.value}, {spent} segments{counted}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("talk", TALKS, ids=[t.label for t in TALKS])
def test_each_reply_does_what_the_person_needs(talk: Talk) -> None:
    for say, reply in play(talk):
        where = f"{talk.label}: {say.text!r}"
        joined = "\n".join(m.text for m in reply.messages)
        assert (reply.state.step if reply.state else None) is say.step, where
        for text in say.holds:
            assert text in joined, f"{where}: missing {text!r}\n{joined}"
        for text in say.lacks:
            assert text not in joined, f"{where}: unexpected {text!r}"
        if say.locale is not None:
            assert reply.locale is say.locale, where
        if talk.channel is Channel.SMS:
            spent = sum(segment_count(m.text) for m in reply.messages)
            assert spent <= budget_for(reply.kind), f"{where}: {spent} segments"
        assert bool(joined.strip()) is not say.quiet, f"{where}: reply or not"


@pytest.mark.parametrize("talk", TALKS, ids=[t.label for t in TALKS])
def test_the_transcript_matches_its_golden(talk: Talk, update_goldens: bool) -> None:
    text = transcript(talk, play(talk)) + "\n"
    path = TRANSCRIPTS / f"{talk.slug}.txt"
    if update_goldens:
        TRANSCRIPTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no transcript for {talk.label!r}: run with --update-goldens"
    assert path.read_text(encoding="utf-8") == text


#: Names that many villages (and some communes) share, and the level word that says so.
CROWDED_NAMES = ("ភូមិថ្មី", "ភូមិត្រពាំងវែង", "ភូមិស្វាយ", "ភូមិព្រៃក្ដី", "ភូមិកណ្ដាល", "ភូមិ ២",
                 "ឃុំប្រាសាទ", "ភូមិទឹកថ្លា", "ភូមិត្រពាំងឫស្សី", "ភូមិអូរ")


@pytest.mark.parametrize("name", CROWDED_NAMES)
def test_every_khmer_list_of_namesakes_fits_the_sms_budget(name: str) -> None:
    """Asked which province, for every province with one of these names, the numbered list in
    Khmer (UCS-2: 201 characters in 3 parts) fits the budget: whole choices, numbered from 1
    without a gap, each different, and "0 none of these" last."""
    from bot.places import default_resolver

    resolver = default_resolver()
    first = resolver.resolve(name)[0]
    asked = State(Locale.KM, Step.CHOOSE_PLACE, {"namesake": first.code, "intent": "find_clinic"})
    provinces = {p.province_code for p in resolver.namesakes(first)}
    for code in sorted(provinces):
        province = resolver.get(code)
        assert province is not None
        inbound = Inbound(Channel.SMS, SENDER, province.name_km, provider_id="budget")
        reply = bot.handle(inbound, asked, DIRECTORY, MORNING)
        text = "\n".join(m.text for m in reply.messages)
        assert sum(segment_count(m.text) for m in reply.messages) <= SMS_SEGMENT_BUDGET, text
        if reply.state is None or reply.state.step is not Step.CHOOSE_PLACE:
            continue  # one namesake there: found
        lines = text.split("\n")
        numbered = lines[1:-1]
        assert lines[-1] == "០ មិនមែនទាំងនេះទេ", text
        assert [line.split(" ")[0] for line in numbered] == ["១", "២", "៣", "៤", "៥"][
            : len(numbered)], text
        described = [line.split(" ", 1)[1] for line in numbered]
        assert len(set(described)) == len(described) == len(reply.state.data["choices"]), text
