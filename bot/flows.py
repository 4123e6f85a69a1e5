"""The conversation as an explicit state machine.

```mermaid
stateDiagram-v2
    [*] --> START
    START --> MENU: greeting / unknown / number / a place alone (kept)
    START --> ASK_PLACE: service wanted, no place yet
    START --> RESULTS: service + place in one message (a misspelt service too)
    MENU --> ASK_PLACE: 1-3 or a service keyword
    MENU --> RESULTS: 1-3 or a place, when a place or a service is already known
    MENU --> FAQ_MENU: 4
    MENU --> PAGES: an answer longer than one SMS
    PAGES --> PAGES: MORE
    PAGES --> ASK_PLACE: an answer that leads to a service asks where; a search resumes
    PAGES --> RESULTS: MORE after an answer that offered the nearest (the place is known)
    MENU --> CONFIRM: a near-miss spelling ("did you mean ...?")
    CONFIRM --> ASK_PLACE: YES
    ASK_PLACE --> RESULTS: a place, a shared location, or 0 for all
    ASK_PLACE --> CHOOSE_PLACE: several places match about equally (many: which province?)
    CHOOSE_PLACE --> CHOOSE_PLACE: a province, when the name is shared by many places
    ASK_PLACE --> PAGES: a question is answered, then the search goes on
    CHOOSE_PLACE --> RESULTS: a number
    CHOOSE_PLACE --> ASK_PLACE: 0, none of these
    ASK_PLACE --> ASK_PLACE: place not found (asked again, never a national list unasked)
    RESULTS --> RESULTS: MORE, a listed number for its details, "are they open now?"
    FAQ_MENU --> MENU: 0
    ANY --> PAGES: an emergency (first aid, a crisis; paged on SMS, six segments a page)
    state EMERGENCY_MODE {
        [*] --> advice: what changed (a fit, heat, chest pain, seeing things, breathing again)
        [*] --> next: MORE, "and next?"
        [*] --> ambulance: police named (119 is for health)
        [*] --> stay: "ok", "thanks", "I'm scared"
    }
    state CRISIS_MODE {
        [*] --> followup: "no one can help me", "I feel so afraid"
        [*] --> thanks: thanks, "I'm a bit better"
    }
    ANY --> EMERGENCY_MODE: inside an emergency (an hour after its last message)
    ANY --> CRISIS_MODE: inside a crisis (an hour after its last message)
    RESULTS --> RESULTS: "their number", "the first one", "open on Sunday?"
    ANY --> [*]: a clear opt-out (STOP, ឈប់, "delete my data"): forgotten
    ANY --> CONFIRM: maybe an opt-out ("leave me alone", "stpo")
    CONFIRM --> [*]: YES or DELETE
    CONFIRM --> MENU: MENU (anything else is read as a new message)
    note right of MENU: before any step - emergencies, opt-outs, MENU, language
```

Global readings are checked before the step table, in this order: a message inside an
emergency or a crisis (``docs/CONVERSATION.md``: read in its light, never "did not understand"),
an emergency (overrides everything: overdose first aid, a crisis, CPR or naloxone; it starts
the emergency or crisis mode), an opt-out (a clear one forgets the
conversation at once; one that may not be meant is asked about first, and a provider's STOP word
on SMS always forgets), menu/help, a language name, a question about the places listed, thanks, and "the first
one". Then the handler for the current step
decides. Every reply ends with one clear next step, and repeated misunderstandings stop
re-sending the menu so the bot never loops. ``ANY`` stands for every step.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot import context as ctx
from bot import days, holiday, references
from bot.context import CRISIS, EMERGENCY
from bot.intents import Classification
from bot.normalize import normalize
from bot.placenames import strip_level_word
from bot.places import MAX_CHOICES, Place, PlaceResolver
from bot.ranking import REACH_KM, Ranked, measure, parsed_hours, rank_first
from bot.replies import Texts
from bot.segments import budget_for, chunk_blocks, fits_sms, pack_for_sms
from bot.types import (
    Button,
    Desk,
    GeoPoint,
    HandoffRequest,
    Inbound,
    OutMessage,
    Reply,
    State,
    Step,
    Venue,
)
from core import hours
from core.directory import Directory
from core.geo import ReferencePoints
from core.place_codes import LEVELS
from core.vocabulary import (
    CAMBODIA,
    Capabilities,
    DemandEvent,
    Intent,
    Locale,
    Outcome,
    ServiceType,
)

PAGE_SIZE = 3
#: Communes and villages: people say one name for either (a commune is most often named after
#: a village in it), so namesakes are offered, and narrowed by province, across the two.
LOCAL = ("commune", "village")
#: After this many misunderstandings in a row the bot stops re-sending the whole menu.
MAX_MISUNDERSTOOD = 2

SERVICE_TYPES: dict[str, tuple[ServiceType, ...]] = {
    Intent.FIND_CLINIC: (ServiceType.VOLUNTARY_TREATMENT,),
    Intent.FIND_NEEDLE_EXCHANGE: (ServiceType.NEEDLE_EXCHANGE, ServiceType.DROP_IN),
    Intent.FIND_METHADONE: (ServiceType.METHADONE,),
}
MENU_CHOICES = {
    1: "find_clinic",
    2: "find_needle_exchange",
    3: "find_methadone",
    4: "faq",
    5: "family",
    6: "emergency",
}
FAQ_CHOICES = {1: "faq_cost", 2: "faq_privacy", 3: "faq_voluntary", 4: "faq_methadone",
               5: "human"}
#: Answers as pages; SMS shows one page at a time ("reply MORE"), Telegram all at once. Keyed by
#: intent, or by ``intent/topic`` where the topic asked for has an answer of its own.
ANSWERS: dict[str, Callable[[Texts], tuple[str, ...]]] = {
    "emergency": Texts.emergency,
    "emergency/crisis": Texts.crisis,
    "emergency/first_aid": Texts.first_aid,
    "emergency/naloxone": Texts.naloxone,
    # Inside an emergency (``docs/CONVERSATION.md``): what changed, or what to do next.
    "emergency/seizure": Texts.seizure,
    "emergency/heat": Texts.heat,
    "emergency/chest_pain": Texts.chest_pain,
    "emergency/psychosis": Texts.psychosis,
    "emergency/breathing": Texts.breathing,
    "emergency/ambulance": lambda texts: (texts.ambulance(), texts.first_steps()),
    "emergency/stay": lambda texts: (texts.stay(),),
    # vomiting: on the side first, so they do not choke; help has come: what to tell the crew
    "emergency/side": lambda texts: (texts.recovery_position(), texts.rescue_breaths()),
    "emergency/arrived": lambda texts: (texts.help_arrived(),),
    "emergency/hospital": lambda texts: (texts.hospital_now(),),
    "emergency/by_mouth": lambda texts: (texts.nothing_by_mouth(),),
    "emergency/keep_going": lambda texts: (texts.keep_going(),),
    "faq_cost": Texts.faq_cost,
    # The questions menu asks "Is it private? Will police know?": both answers.
    "faq_privacy": lambda texts: (texts.not_police(), *texts.faq_privacy()),
    "faq_privacy/data": Texts.faq_privacy,
    "faq_privacy/police": Texts.faq_police,
    "faq_privacy/police_now": Texts.police_now,
    "faq_privacy/safe_now": Texts.safe_now,
    "faq_privacy/delete": Texts.faq_delete,
    "faq_privacy/number": Texts.faq_number,
    "faq_privacy/papers": Texts.faq_papers,
    "faq_voluntary": Texts.faq_voluntary,
    "faq_voluntary/centre": Texts.faq_centre,
    "faq_voluntary/booking": Texts.faq_booking,
    "faq_voluntary/companion": Texts.faq_companion,
    "faq_voluntary/hospital": Texts.faq_hospital,
    "faq_methadone": Texts.faq_methadone,
    "faq_methadone/restart": Texts.faq_restart,
    "faq_methadone/stimulants": Texts.faq_stimulants,
    "family": Texts.family,
    "family/injecting": Texts.family_injecting,
    "cravings": Texts.cravings,
    "progress": Texts.progress,
    "afraid": Texts.afraid,
}
#: Answers whose classification (intent/topic) is not their key.
ALIASES = {
    "find_clinic/cravings": "cravings",
    "unknown/progress": "progress",
    "unknown/afraid": "afraid",
}
#: The intent a demand event counts for an answer whose key is not an intent's.
EVENT_INTENT = {"cravings": Intent.FIND_CLINIC}
#: Answers that are no request for help: good news and fear said plainly are answered, not
#: counted as demand.
NOT_DEMAND = frozenset({"progress", "afraid"})
#: The kind (``docs/CONVERSATION.md``) of the answers keyed by their intent alone.
KIND_OF = {
    "emergency": "emergency/overdose",
    "emergency/side": "emergency/first_aid",
    "emergency/arrived": "emergency/stay",
    "emergency/hospital": "emergency/ambulance",
    "emergency/by_mouth": "emergency/first_aid",
    "emergency/keep_going": "emergency/first_aid",
    "faq_voluntary": "faq_voluntary/voluntary",
    "faq_methadone": "faq_methadone/methadone",
    "family": "family/family",
}
#: These answers end by finding a service: where a place is known, its nearest (MORE on SMS
#: and WhatsApp, at once on Telegram); else the bot asks where and waits for a place.
THEN_FIND = {
    "family": "find_clinic",
    "family/injecting": "find_methadone",
    "faq_methadone/restart": "find_methadone",
    "cravings": "find_clinic",
}
#: The service an answer leads to: a place sent after it finds that service (the answers end
#: with "reply 1 / 3 to find one").
ANSWER_LEADS_TO = {
    "faq_cost": "find_clinic",
    "faq_privacy": "find_clinic",
    "faq_privacy/police": "find_clinic",
    "faq_privacy/safe_now": "find_methadone",
    "faq_voluntary": "find_clinic",
    "faq_voluntary/centre": "find_clinic",
    "faq_methadone": "find_methadone",
    "faq_methadone/stimulants": "find_clinic",
    "emergency/crisis": "find_clinic",
    "emergency/naloxone": "find_methadone",
    "faq_privacy/papers": "find_clinic",
    "faq_voluntary/companion": "find_clinic",
    "faq_voluntary/hospital": "find_clinic",
    "progress": "find_clinic",
}
#: An entry not checked with its service for this long says so ("last checked Mar 2026").
STALE_AFTER_DAYS = 180
#: How many ranked services a result list keeps (by id) for MORE and details.
RESULT_IDS_KEPT = 30


@dataclass
class Turn:
    """Everything one step handler needs; handlers return a ``Reply``."""

    inbound: Inbound
    state: State
    cls: Classification
    texts: Texts
    directory: Directory
    places: PlaceResolver
    points: ReferencePoints
    now: datetime
    #: What the channel can show and do.
    can: Capabilities
    #: Outreach workers who can take a handoff through this channel (None: no one can).
    desk: Desk | None = None
    #: The conversation's language is settled (``bot.reply_locale``): kept in the next state.
    locale_settled: bool = False
    messages: list[str] = field(default_factory=list)
    #: The storable version of ``messages`` once any block differs (GPS distances left out).
    record: list[str] | None = None
    #: Lines that end the reply, after the next step (the budget is kept for them).
    tail: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    #: What the reply does (``docs/CONVERSATION.md``), set by the action that answers.
    kind: str = ""
    #: Who this message itself says is asking (``bot.who``), before the conversation's reading.
    said: str | None = None
    #: What every reply keeps of the conversation whatever its step (``bot.context.carried``):
    #: who is asking, a mode, the services shown, the service sought. Actions change it.
    carry: dict[str, object] = field(default_factory=dict)

    @property
    def locale(self) -> Locale:
        return self.texts.locale

    @property
    def mode(self) -> str | None:
        """``emergency`` or ``crisis`` while the conversation is in one (``bot.context``)."""
        mode = self.carry.get("mode")
        return mode if isinstance(mode, str) else None

    def enter(self, mode: str | None) -> None:
        """Start or renew a mode (its short expiry counts from now), or leave it (None)."""
        self.carry.pop("mode", None)
        self.carry.pop("mode_until", None)
        if mode is not None:
            self.carry.update(ctx.entering(mode, self.now))

    @property
    def budget(self) -> int:
        """SMS segments this reply may use: emergencies and crises may use more."""
        return budget_for(self.kind)

    @property
    def compact(self) -> bool:
        """Plain SMS: every reply to one message fits one segment budget (``bot.segments``)."""
        return self.can.sms_budget

    @property
    def paged(self) -> bool:
        """Long answers come a page at a time (SMS, WhatsApp); Telegram gets them whole."""
        return self.can.paged

    @property
    def when(self) -> hours.Moment:
        """Cambodia's local date and time now, with its public holidays (named in the reply's
        language), to judge opening hours."""
        local = self.now.astimezone(CAMBODIA) if self.now.tzinfo else self.now
        return hours.Moment(local, holiday.lookup(self.locale))

    def say(self, *texts: str) -> None:
        self.messages.extend(texts)
        if self.record is not None:
            self.record.extend(texts)

    def say_unstored(self, live: str, stored: str) -> None:
        """Send ``live`` but keep only ``stored`` for redeliveries."""
        if self.record is None:
            self.record = list(self.messages)
        self.messages.append(live)
        self.record.append(stored)

    def reply(
        self, step: Step, data: dict[str, object] | None = None, event: DemandEvent | None = None
    ) -> Reply:
        keep: dict[str, object] = {"locale_settled": True} if self.locale_settled else {}
        new_state = State(locale=self.locale, step=step,
                          data={**keep, **self.carry, **(data or {})})
        return Reply(
            messages=self.render(), state=new_state, demand_event=event, locale=self.locale,
            record=self.render(self.record) if self.record is not None else None,
            kind=self.kind,
        )

    def render(self, blocks: list[str] | None = None) -> tuple[OutMessage, ...]:
        """SMS and WhatsApp get the blocks packed into messages within the segment budget; a
        channel that takes long messages (Telegram) gets one. Buttons and map pins ride on the
        last message."""
        blocks = self.messages if blocks is None else blocks
        if self.can.one_message:
            texts = ["\n\n".join(blocks)] if blocks else []
        elif blocks and fits_sms("\n".join(blocks), self.budget):
            texts = ["\n".join(blocks)]  # one message: every reply to an SMS fits the budget
        else:
            texts = pack_for_sms(blocks, self.budget)
        messages = [OutMessage(t) for t in texts]
        if messages and (self.buttons or self.venues):
            messages[-1] = OutMessage(messages[-1].text, tuple(self.buttons), tuple(self.venues))
        return tuple(messages)

    def event(
        self,
        intent: str,
        outcome: str,
        service_type: ServiceType | None = None,
        place: Place | None = None,
    ) -> DemandEvent:
        return DemandEvent.at(
            self.now,
            channel=self.inbound.channel,
            locale=self.locale,
            intent=intent,
            service_type=service_type,
            province_code=place.province_code if place else None,
            district_code=place.district_code if place else None,
            outcome=outcome,
        )


# --- global words ----------------------------------------------------------------------------


def handle_global(turn: Turn) -> Reply | None:
    cls = turn.cls
    intent = cls.intent
    if turn.inbound.provider_opted_out:  # the SMS provider has already blocked the sender
        return forget(turn)
    if turn.mode == EMERGENCY and (reply := in_emergency(turn)):
        return reply
    if turn.mode == CRISIS and (reply := in_crisis(turn)):
        return reply
    if intent == "emergency":
        return emergency(turn)
    if intent == "stop":
        if cls.definite:
            return forget(turn)
        turn.kind = "confirm_stop"
        turn.say(turn.texts.confirm_stop())  # "leave me alone", "stpo": ask before deleting
        return turn.reply(Step.CONFIRM, {"suggested": "stop", **_keep_place(turn)})
    if intent == "set_language":
        turn.kind = "language"
        turn.say(turn.texts.menu(turn.texts.language_set()))
        return turn.reply(Step.MENU)  # the choice settles the language (``bot.reply_locale``)
    if intent == "menu" and cls.topic == "human":
        return human(turn)
    if intent in ("menu", "unknown") and cls.number is None and _shown(turn) and days.asked(
        normalize(turn.inbound.text), turn.when.at.date()
    ).about_days:
        return open_now(turn)  # "what about tomorrow?" after a list
    if intent == "menu" and cls.number is None and cls.topic in ("open_now", "phone", "details"):
        return about_listed(turn)
    if intent == "menu" and cls.number is None:
        return show_menu(turn)
    if cls.number == 0 and turn.state.step not in (Step.ASK_PLACE, Step.CHOOSE_PLACE):
        return show_menu(turn)
    if _thanked(turn):
        return thanks(turn)
    if intent == "unknown" and cls.topic == "afraid" and turn.state.data.get("handoff"):
        turn.kind = "afraid"  # waiting for an outreach worker, out of hours
        turn.say(turn.texts.afraid_waiting())
        return turn.reply(turn.state.step, dict(turn.state.data))
    if intent == "unknown" and "where" in cls.signals and not cls.places:
        return show_menu(turn)  # "where can I go?": what there is, and where it is
    if (listed := _shown(turn)) and intent == "unknown" and cls.number is None and (
        position := references.position(normalize(turn.inbound.text), listed[2])
    ):
        return show_details(turn, position) or None  # "the first one"
    return None


def _thanked(turn: Turn) -> bool:
    """Thanks, or a plain "ok" where no question was asked."""
    cls = turn.cls
    if cls.intent == "unknown" and cls.topic == "thanks" and cls.number is None:
        return True
    return cls.affirmative and turn.state.step in (Step.START, Step.MENU, Step.RESULTS,
                                                   Step.PAGES)


def thanks(turn: Turn) -> Reply:
    """A warm line; the conversation stays where it was (a search goes on)."""
    turn.kind = "thanks"
    turn.say(turn.texts.thanks())
    return turn.reply(turn.state.step, dict(turn.state.data))


# --- inside an emergency or a crisis (``docs/CONVERSATION.md``) ---------------------------------

#: The first-aid answers that "and next?" reads on through, inside an emergency.
FIRST_AID = frozenset({"emergency", "emergency/first_aid"})
#: Emergency topics that get their own advice inside an emergency; any other emergency reading
#: ("he still isn't breathing", "help") gets the hands-on steps.
OWN_ADVICE = frozenset({"first_aid", "naloxone", "seizure", "heat", "chest_pain", "psychosis",
                        "breathing", "ambulance"})
#: Questions about police or privacy asked inside an emergency are about calling 119.
POLICE_TOPICS = frozenset({"police", "police_now", "data", "number", "safe_now"})


#: The words that ask for the menu itself: in an emergency or a crisis only these show it ("help
#: me" there is a plea, not a request for the menu).
MENU_WORDS = frozenset({"menu", "main menu", "start", "/start", "ម៉ឺនុយ"})


def _common(turn: Turn) -> bool:
    """Messages handled alike in every mode: an opt-out, a language, asking for a person, a
    menu number, the word MENU."""
    cls = turn.cls
    return (cls.intent in ("stop", "set_language") or cls.number is not None
            or (cls.intent == "menu" and cls.topic == "human")
            or normalize(turn.inbound.text) in MENU_WORDS)


def in_emergency(turn: Turn) -> Reply | None:
    """A message inside an emergency: what changed, or what to do next ("and next?", "he is
    jerking", "ok he breathes now", "if I call 119 the police come"). Never the same first page
    again, never "did not understand". None when the message is handled as anywhere else (a
    question is answered, and the mode goes on); a search for a service means the person has
    moved on, and the emergency mode ends."""
    cls = turn.cls
    if _common(turn):
        return None
    if cls.more:  # "and next?": the first aid goes on where it stopped, whatever came between
        aid = turn.carry.get("aid")
        if isinstance(aid, dict) and aid.get("key") in ANSWERS and isinstance(aid.get("page"), int):
            return answer(turn, str(aid["key"]), int(aid["page"]), counted=False)
        turn.kind = "emergency/next"  # every step has been read: what to do until help comes
        turn.enter(EMERGENCY)
        turn.say(turn.texts.stay())
        return turn.reply(Step.MENU, _keep_place(turn))
    if cls.intent == "emergency" and cls.topic == "crisis" and cls.source == "lexicon":
        return None  # thoughts of suicide told in their words: the crisis reply
    if "police" in cls.signals or cls.intent == "faq_privacy" and cls.topic in POLICE_TOPICS:
        return answer(turn, "emergency/ambulance", counted=False)  # 119 is for health
    if "money" in cls.signals or cls.intent == "faq_cost":
        return answer(turn, "emergency/ambulance", counted=False)  # call anyway
    if "hospital" in cls.signals:
        return answer(turn, "emergency/hospital", counted=False)
    if "by_mouth" in cls.signals:
        return answer(turn, "emergency/by_mouth", counted=False)  # water, coffee, milk
    if "better" in cls.signals:
        return answer(turn, "emergency/breathing", counted=False)
    if "arrived" in cls.signals:
        return answer(turn, "emergency/arrived", counted=False)  # "the ambulance is here"
    if "vomit" in cls.signals:
        return answer(turn, "emergency/side", counted=False)
    if cls.intent == "emergency":
        key = f"emergency/{cls.topic}" if cls.topic in OWN_ADVICE else "emergency/first_aid"
        if key in _told(turn) and key in FIRST_AID:
            key = "emergency/keep_going"  # the steps were given: keep going, never the same page
        return answer(turn, key, counted=False)
    if cls.intent == "unknown" and cls.topic == "progress":
        return answer(turn, "emergency/breathing", counted=False)  # "he is ok now"
    if cls.intent == "menu":  # "help me", "please": a plea
        key = "emergency/keep_going" if "emergency/first_aid" in _told(turn) else (
            "emergency/first_aid")
        return answer(turn, key, counted=False)
    if cls.intent == "location":  # "we are in Takeo": where the ambulance comes, a hospital near
        return answer(turn, "emergency/hospital", counted=False)
    if cls.intent == "unknown" or cls.affirmative or cls.suggestion is not None:
        return answer(turn, "emergency/stay", counted=False)  # "ok", "thanks", "I'm scared"
    if cls.intent in SERVICE_TYPES:
        turn.enter(None)  # a search: the emergency is behind them
    return None  # a question ("can I go home now?") is answered; the mode goes on


def in_crisis(turn: Turn) -> Reply | None:
    """A message inside a crisis: stay calm and present ("no one can do anything for me",
    "I feel so afraid") until the person clearly moves on, offering a person to talk to. None
    when the message is handled as anywhere else (a service, a question, an overdose)."""
    cls = turn.cls
    if _common(turn) or cls.more or _about_listed(turn):
        return None
    if cls.intent == "emergency" and cls.topic != "crisis" and cls.source == "lexicon":
        return None  # an overdose told in its words ("not breathing"): first aid
    if (cls.intent == "unknown" and cls.topic in ("thanks", "progress")) or cls.affirmative:
        turn.kind = "thanks"
        turn.say(turn.texts.crisis_thanks())
        return turn.reply(Step.MENU, _keep_place(turn))
    if cls.intent in ("emergency", "unknown", "menu") or cls.suggestion is not None:
        return crisis_followup(turn)  # "no", "I feel so afraid", "help me"
    return None


def _told(turn: Turn) -> list[str]:
    """The emergency answers given since the emergency began."""
    told = turn.carry.get("told")
    return [k for k in told if isinstance(k, str)] if isinstance(told, list) else []


def _about_listed(turn: Turn) -> bool:
    """A question about the places just listed ("their number", "the first one")."""
    listed = _shown(turn)
    if listed is None:
        return False
    cls = turn.cls
    return (cls.intent == "menu" and cls.topic in ("open_now", "phone", "details")) or (
        references.position(normalize(turn.inbound.text), listed[2]) is not None)


def crisis_followup(turn: Turn) -> Reply:
    """A calm reply inside a crisis, a person to talk to (an outreach worker here, or the
    operator's helpline), and the crisis mode renewed."""
    count = int(turn.carry.get("crisis_turns", 0) or 0)
    turn.kind = "crisis/followup"
    turn.say(turn.texts.crisis_followup(count))
    if turn.desk is not None:
        turn.say(turn.texts.crisis_person())
    elif turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    turn.enter(CRISIS)
    turn.carry["crisis_turns"] = count + 1
    return turn.reply(Step.MENU, {**_keep_place(turn), "then": "find_clinic"})


# --- actions ----------------------------------------------------------------------------------


def show_menu(turn: Turn, keep: dict[str, object] | None = None) -> Reply:
    turn.kind = "menu"
    turn.say(turn.texts.menu())
    return turn.reply(Step.MENU, keep)


def forget(turn: Turn) -> Reply:
    """Opt-out: delete the conversation. After a one-word SMS opt-out the SMS provider blocks
    further messages until START, and the goodbye says so."""
    turn.kind = "stop"
    if turn.inbound.provider_opted_out:
        turn.say(turn.texts.stopped_by_provider_word())
    else:
        turn.say(turn.texts.stopped())
    return Reply(messages=turn.render(), state=None, locale=turn.locale, kind=turn.kind)


def emergency(turn: Turn) -> Reply:
    """Overdose first aid by default; the crisis reply for thoughts of suicide; the answer
    asked for (CPR, naloxone, a fit, fear of calling 119...). The conversation enters the
    emergency or crisis mode, so that what follows is read in its light."""
    key = answer_key("emergency", turn.cls.topic)
    if key == "emergency" and "police" in turn.cls.signals:
        key = "emergency/ambulance"  # "he's not breathing, if I call 119 will police come?"
    if key == "emergency/crisis":
        # thoughts of suicide are the writer's own unless this message names someone else
        turn.texts = Texts(turn.locale, who=turn.said)
    turn.enter(CRISIS if key == "emergency/crisis" else EMERGENCY)
    for kept in ctx.MODE_KEYS:  # a new emergency or crisis starts afresh
        turn.carry.pop(kept, None)
    return answer(turn, key)


def human(turn: Turn) -> Reply:
    """"Can I talk to a real person?": where outreach workers take handoffs, say plainly what
    happens and ask first; elsewhere, honestly, not through Sangkhim, and what there is."""
    if turn.desk is not None and turn.state.data.get("handoff"):
        turn.kind = "handoff/queued"
        turn.say(turn.texts.handoff_queued())  # asked already, out of hours: a worker will write
        return turn.reply(Step.MENU, dict(turn.state.data))
    if turn.desk is not None and turn.desk.full():
        return desk_full(turn)
    if turn.desk is not None:
        return offer_handoff(turn, turn.desk)
    turn.kind = "handoff/none"
    turn.say(turn.texts.human())
    if turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    return turn.reply(Step.MENU, _keep_place(turn), turn.event(Intent.MENU, Outcome.ANSWERED))


def offer_handoff(turn: Turn, desk: Desk) -> Reply:
    """What a handoff means (a worker writes here, never sees the number, all deleted at the
    end or after ``ttl_hours``), and a YES to agree."""
    turn.kind = "handoff/offer"
    turn.say(turn.texts.handoff_offer(desk.ttl_hours))
    data = turn.state.data
    asked = "emergency/crisis" if turn.mode == CRISIS else next(
        (v for v in (data.get("answer"), data.get("intent"), data.get("then"))
         if isinstance(v, str) and v), None)
    keep = {"asked": asked} if asked else {}
    return turn.reply(Step.CONFIRM, {"suggested": "handoff", **keep, **_keep_place(turn)})


def desk_full(turn: Turn) -> Reply:
    """Too many chats wait for a worker already: say so honestly, and what there is meanwhile
    (the bot, 119, the operator's helpline)."""
    turn.kind = "handoff/full"
    turn.say(turn.texts.handoff_full())
    if turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    return turn.reply(Step.MENU, _keep_place(turn), turn.event(Intent.MENU, Outcome.ANSWERED))


def _desk_opens(turn: Turn, desk: Desk) -> str | None:
    """"Workers answer from Monday 8:00", when they are not at work now; else None. Public
    holidays count as for any service (``core.hours``)."""
    try:
        status = hours.status(hours.parse(desk.hours), turn.when.at, turn.when.holiday)
    except hours.HoursError:
        return None
    if status.open_now is not False:
        return None
    return turn.texts.handoff_later(turn.texts.status(status))


def open_handoff(turn: Turn) -> Reply:
    """The texter agreed: the pipeline opens the handoff (and keeps its address sealed),
    unless the queue filled up since the offer."""
    if turn.desk is not None and turn.desk.full():
        return desk_full(turn)
    data = turn.state.data
    place = _remembered_place(turn)
    asked = data.get("asked")
    request = HandoffRequest(
        topic=asked if isinstance(asked, str) else "",
        province_code=place.province_code if place else None,
        district_code=place.district_code if place else None,
    )
    event = turn.event(Intent.MENU, Outcome.HANDOFF_ASKED, place=place)
    later = _desk_opens(turn, turn.desk) if turn.desk else None
    if later is not None:
        # Out of hours: when workers are back, and the bot meanwhile. Once a worker has
        # written, the texter's messages go to them (the pipeline knows when).
        turn.kind = "handoff/queued"
        turn.say(later, turn.texts.handoff_queued())
        reply = turn.reply(Step.MENU, {"handoff": True, **_keep_place(turn)}, event)
    else:
        turn.kind = "handoff/opened"
        turn.say(turn.texts.handoff_opened())
        reply = turn.reply(Step.HANDOFF, {"handoff": True}, event)
    return dataclasses.replace(reply, handoff=request)


def in_handoff(turn: Turn) -> Reply:
    """Talking with a worker: everything goes to them. An emergency is answered at once too
    (and flagged for the worker); a clear STOP ends the chat and deletes it."""
    data = {k: v for k, v in turn.state.data.items() if k not in ("answer", "page")}
    cls = turn.cls
    if cls.intent == "stop" and cls.definite or turn.inbound.provider_opted_out:
        return forget(turn)
    pending, page = turn.state.data.get("answer"), turn.state.data.get("page")
    if cls.intent == "emergency" or (
        cls.more and pending in ANSWERS and isinstance(page, int) and page > 0
    ):
        # first aid at once, and its next pages on MORE (which the worker need not read)
        emergency_now = cls.intent == "emergency"
        reply = emergency(turn) if emergency_now else answer(turn, str(pending), page)
        after = reply.state.data if reply.state is not None else {}
        pages = {k: after[k] for k in ("answer", "page") if k in after}
        state = State(locale=turn.locale, step=Step.HANDOFF, data={**data, **pages})
        return dataclasses.replace(reply, state=state, relay=emergency_now, alarm=emergency_now,
                                   named_place=named_place(turn.cls) if emergency_now else None)
    if not turn.inbound.text.strip():  # a location, a photo: GPS and media are never kept
        turn.kind = "text_only"
        turn.say(turn.texts.handoff_text_only())
        return turn.reply(Step.HANDOFF, data)
    turn.kind = "handoff/relayed"
    if cls.intent == "unknown" and cls.topic == "afraid" and cls.source == "lexicon" and (
        not data.get("reassured")
    ):
        turn.say(turn.texts.afraid_waiting())  # "I'm scared": relayed too, the worker reads it
        data["reassured"] = True
    elif not data.get("told"):
        turn.say(turn.texts.handoff_sent())
        data["told"] = True
    reply = turn.reply(Step.HANDOFF, data)
    return dataclasses.replace(reply, relay=True, named_place=named_place(turn.cls))


def named_place(cls: Classification) -> str | None:
    """The place a message relayed to a worker names, for the Chats page: the code of the
    smallest unit that holds every place read in it ("Thmei" in two districts of one province:
    that province), or None when it names none or places in different provinces. The worker
    reads the message itself; this only spares them "place not known"."""
    codes = [place.code for place in cls.places]
    if not codes:
        return None
    common = codes[0]
    for code in codes[1:]:
        while common and not code.startswith(common):
            common = common[:-2]
    return common if len(common) >= 2 else None


def answer_key(intent: str, topic: str) -> str:
    """The answer for an intent and topic: the topic's own, else the intent's."""
    key = f"{intent}/{topic}"
    key = ALIASES.get(key, key)
    return key if key in ANSWERS else intent


def kind_of(key: str) -> str:
    """The kind of reply an answer is (``docs/CONVERSATION.md``)."""
    return KIND_OF.get(key, key)


def answer_pages(turn: Turn, key: str, resume: str | None = None) -> list[list[str]]:
    """An answer's pages as this channel shows them: SMS and WhatsApp get chunks that each fit
    the segment budget with "reply MORE" (``chunk_blocks``; emergencies and crises have a
    larger budget), Telegram one page of everything. The crisis answer carries the operator's
    helpline right after its first words. An answer given in the middle of a search
    (``resume``) ends by asking for the place again; one that leads to a service
    (``THEN_FIND``) ends by offering it where the place is known, else by asking where."""
    blocks = list(ANSWERS[key](turn.texts))
    if key == "emergency/crisis" and turn.directory.helpline:
        blocks.insert(1, turn.texts.talk_to_person(turn.directory.helpline))
    wanted = resume or THEN_FIND.get(key)
    if wanted is not None:
        place = _remembered_place(turn) if resume is None else None
        if place is None:
            blocks.append(turn.texts.resume_place(wanted))
        elif turn.paged:
            blocks.append(turn.texts.then_results(wanted, place.name(turn.locale)))
    if not turn.paged:
        return [blocks]
    return chunk_blocks(blocks, turn.texts.more_pages(), budget_for(kind_of(key)))


def answer(
    turn: Turn, key: str, page: int = 0, resume: str | None = None, counted: bool = True
) -> Reply:
    """One page of an answer (all of it on Telegram), then its next step. ``resume`` is the
    service of a search under way (asked while the bot waited for a place): it goes on after
    the answer. ``counted``: the first page counts as demand (not a follow-up inside an
    emergency, which was counted when it began). A place named with the question is kept."""
    if turn.cls.place is not None and len(turn.cls.places) == 1 and resume is None:
        turn.carry["place"] = turn.cls.place.code  # "my son uses ice, I'm in Battambang"
    turn.kind = kind_of(key) if page == 0 else (
        "emergency/next" if key.startswith("emergency") else kind_of(key))
    if key.startswith("emergency/") or key == "emergency":
        if turn.mode == EMERGENCY:
            turn.enter(EMERGENCY)  # renewed by every message about it
    pages = answer_pages(turn, key, resume)
    intent = key.partition("/")[0]
    event = None
    if page == 0 and counted and key not in NOT_DEMAND:
        event = turn.event(EVENT_INTENT.get(key, intent),
                           Outcome.EMERGENCY if intent == Intent.EMERGENCY else Outcome.ANSWERED)
    page = min(page, len(pages) - 1)
    wanted, place = THEN_FIND.get(key), _remembered_place(turn)
    if resume is None and wanted and place and pages[page] == [
        turn.texts.then_results(wanted, place.name(turn.locale))
    ]:
        return show_results(turn, wanted, place)  # MORE read on to "MORE for ... near X"
    turn.say(*pages[page])
    if turn.mode == EMERGENCY and key.startswith("emergency"):
        turn.carry["told"] = sorted({*_told(turn), key})  # what this emergency has been told
        if key in FIRST_AID:
            # the first aid's next page, for "and next?" after whatever comes between
            turn.carry.pop("aid", None)
            if page + 1 < len(pages):
                turn.carry["aid"] = {"key": key, "page": page + 1}
    leads = THEN_FIND.get(key) or ANSWER_LEADS_TO.get(key)
    if leads is not None:
        turn.carry["service"] = leads
    pending = {"intent": resume} if resume is not None else {}
    if page + 1 < len(pages):
        turn.say(turn.texts.more_pages())
        data = {"answer": key, "page": page + 1, **_keep_place(turn), **pending}
        if leads is not None and resume is None:
            data["then"] = leads  # a place sent before the last page finds it too
        return turn.reply(Step.PAGES, data, event)
    if resume is not None:
        return turn.reply(Step.ASK_PLACE, {**pending, **_keep_place(turn)}, event)
    if wanted is not None:
        if place is None:
            return turn.reply(Step.ASK_PLACE, {"intent": wanted}, event)
        if not turn.paged:  # Telegram: the nearest follow in the same message
            return show_results(turn, wanted, place)
        return turn.reply(Step.PAGES, {"then": wanted, "place": place.code}, event)
    leads_to = {"then": ANSWER_LEADS_TO[key]} if key in ANSWER_LEADS_TO else {}
    return turn.reply(Step.MENU, {**_keep_place(turn), **leads_to}, event)


def _shown(turn: Turn) -> tuple[str, list[int], int] | None:
    """The services listed in this conversation: their kind, ids (ranked) and how many of
    them have been shown; None before any list."""
    shown = turn.carry.get("shown")
    if not isinstance(shown, dict):
        return None
    intent, ids, offset = shown.get("intent"), shown.get("ids"), shown.get("offset")
    if (isinstance(intent, str) and intent in SERVICE_TYPES and isinstance(ids, list)
            and all(isinstance(i, int) for i in ids) and isinstance(offset, int) and offset > 0):
        return intent, ids, min(offset, len(ids))
    return None


def about_listed(turn: Turn) -> Reply:
    """A question about the places just listed: are they open (now, on a day), what is their
    number, "the first one", "where is it?"."""
    topic, listed = turn.cls.topic, _shown(turn)
    if topic == "open_now":
        return open_now(turn)
    if listed is None:
        turn.kind = "menu"
        say = turn.texts.phone_which() if topic == "phone" else turn.texts.menu_lead()
        turn.say(turn.texts.menu(say))
        return turn.reply(Step.MENU, _keep_place(turn))
    if topic == "phone":
        return show_phones(turn, *listed)
    number = references.position(normalize(turn.inbound.text), listed[2])
    if number is None and listed[2] == 1:
        number = 1  # "where is it?" after one place
    if number is not None and (details := show_details(turn, number)):
        return details
    turn.kind = "details"
    turn.say(turn.texts.which_one())
    return turn.reply(Step.RESULTS)


def _listed_again(turn: Turn, intent: str, ids: list[int], offset: int) -> list[Ranked]:
    """The services shown so far, judged again now, in the order they were listed."""
    return _ranked_again(turn, intent, _remembered_place(turn), ids[:offset])


def show_phones(turn: Turn, intent: str, ids: list[int], offset: int) -> Reply:
    """"What's their number?": the phone of each place shown, numbered as listed."""
    turn.kind = "phone"
    turn.say(turn.texts.phone_heading())
    hint = turn.texts.details_hint(more=offset < len(ids))
    for shown, item in enumerate(_listed_again(turn, intent, ids, offset)):
        line = turn.texts.phone_line(ids.index(item.service.id) + 1,
                                     item.service.name(turn.locale), item.service.phone)
        if turn.compact and shown and not fits_sms("\n".join([*turn.messages, line, hint])):
            break
        turn.say(line)
    turn.say(hint)
    return turn.reply(Step.RESULTS)


def open_now(turn: Turn) -> Reply:
    """"Are they open now?": the services just listed, each with its status at this moment;
    asked about a day or the hours ("at the weekend?", "what are the hours?"), each with its
    opening on the days asked (``_on_days_asked``); before any list, what every list says, and
    the next step. On SMS as many lines as fit the budget, then the hint."""
    listed = _shown(turn)
    turn.kind = "hours"
    if listed is not None:
        intent, ids, offset = listed
        asked = days.asked(normalize(turn.inbound.text), turn.when.at.date())
        turn.say(turn.texts.days_heading() if asked.about_days else turn.texts.open_heading())
        hint = turn.texts.details_hint(more=offset < len(ids))
        for shown, item in enumerate(_listed_again(turn, intent, ids, offset)):
            if asked.about_days:
                status = _on_days_asked(turn, item, asked)
            else:
                status = (turn.texts.status(item.status) if not item.service.is_full
                          else turn.texts.full_short())
            line = turn.texts.open_line(ids.index(item.service.id) + 1,
                                        item.service.name(turn.locale), status)
            if turn.compact and shown and not fits_sms("\n".join([*turn.messages, line, hint])):
                break
            turn.say(line)
        turn.say(hint)
        return turn.reply(Step.RESULTS)
    data = turn.state.data
    pending = data.get("intent")
    if turn.state.step is Step.ASK_PLACE and isinstance(pending, str) and pending in SERVICE_TYPES:
        turn.say(turn.texts.open_in_list())
        return ask_place(turn, pending, _keep_place(turn))
    turn.say(turn.texts.menu(turn.texts.open_which()))
    return turn.reply(Step.MENU, _keep_place(turn))


def _on_days_asked(turn: Turn, item: Ranked, asked: days.Asked) -> str:
    """One listed service on the days asked ("Sat 8:00-12:00, Sun closed"), public holidays
    included ("Tue: closed, Khmer New Year"); what it does on holidays when that was asked;
    its week's hours first when the hours were asked ("Mon-Fri 8:00-17:00 (today ...)").
    The hours alone ("what are the hours?") are told with today's."""
    service, when = item.service, turn.when
    today = when.at.date()
    parsed = parsed_hours(service.opening_hours)
    if parsed is None:
        text = turn.texts.status(hours.Status(None))
    else:
        dates = sorted({*asked.days, today} if asked.now else set(asked.days))
        if not dates and not asked.holidays:
            dates = [today]
        parts = [turn.texts.day_hours(turn.texts.day_label(day, today),
                                      hours.on_day(parsed, day, when.holiday)) for day in dates]
        if asked.holidays:
            parts.append(turn.texts.holiday_hours(hours.holiday_hours(parsed)))
        text = turn.texts.join(parts)
        if asked.hours:
            text = f"{turn.texts.hours(service.opening_hours)} ({text})"
    return turn.texts.join([text, turn.texts.full_short()]) if service.is_full else text


def suggest(turn: Turn, intent: str) -> Reply:
    turn.kind = "did_you_mean"
    turn.say(turn.texts.did_you_mean(intent))
    return turn.reply(Step.CONFIRM, {"suggested": intent, **_keep_place(turn)})


def misunderstood(turn: Turn) -> Reply:
    count = int(turn.state.data.get("misunderstood", 0)) + 1
    turn.kind = "not_understood"
    if count > MAX_MISUNDERSTOOD:
        turn.say(turn.texts.still_not_understood())
    elif turn.inbound.text.strip() and not any(ch.isalnum() for ch in turn.inbound.text):
        turn.say(turn.texts.menu(turn.texts.kind_words()))  # emoji or stickers: no apology
    elif turn.state.step is Step.START:
        # a first message may be a greeting: no apology, but it counts, and it may be an
        # emergency told in words the bot does not know
        turn.say(turn.texts.menu(turn.texts.emergency_line()))
    else:
        turn.say(turn.texts.menu(turn.texts.not_understood()))
    event = turn.event(Intent.UNKNOWN, Outcome.NOT_UNDERSTOOD) if count == 1 else None
    return turn.reply(Step.MENU, {"misunderstood": count, **_keep_place(turn)}, event)


def want_service(turn: Turn, intent: str) -> Reply:
    """A service was asked for: answer at once if a place is known, else ask where."""
    if len(turn.cls.places) > 1:
        return choose_place(turn, intent, turn.cls.places)
    place = turn.cls.place or _remembered_place(turn)
    if place is not None:
        return show_results(turn, intent, place)
    return ask_place(turn, intent)


def ask_place(turn: Turn, intent: str, data: dict[str, object] | None = None) -> Reply:
    turn.kind = f"ask_place/{intent}"
    turn.carry["service"] = intent
    turn.say(turn.texts.ask_place(intent))
    if turn.can.location_button:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE, {"intent": intent, **(data or {})})


def choose_place(
    turn: Turn, intent: str | None, places: tuple[Place, ...], narrowed: bool = False
) -> Reply:
    """Several places match about equally: ask, numbered, rather than guess. Each choice says
    where it is (district > province), and 0 is always "none of these". A name that more
    places share than a list can hold ("Thmei": 155 villages) asks for the province first,
    unless the message named a larger place it lies in ("Thmei, Svay Rieng"). On SMS the list
    fits the segment budget: each choice says only what tells it from the others when the
    whole path does not fit, and fewer choices are shown when even that does not."""
    options = list(dict.fromkeys(places))[:MAX_CHOICES]
    first = options[0]
    # one name at one level (a commune and the villages named like it count as one)
    levels = {"local" if p.level in LOCAL else p.level for p in options}
    if not narrowed and len(levels) == 1 and not any(p.named_in for p in options) and all(
        p.name_en == first.name_en for p in options
    ):
        namesakes = _namesakes(turn, options)
        if len(namesakes) > MAX_CHOICES:
            return ask_province(turn, intent, first, namesakes)
    turn.kind = "choose_place"
    options, text = _place_list(turn, options)
    turn.say(text)
    data: dict[str, object] = {"choices": [p.code for p in options]}
    if intent is not None:
        data["intent"] = intent
    return turn.reply(Step.CHOOSE_PLACE, data)


def _namesakes(turn: Turn, options: list[Place]) -> list[Place]:
    """Every place named like these, at their levels (a commune and villages of one name)."""
    found: dict[str, Place] = {}
    for level in dict.fromkeys(p.level for p in options):
        one = next(p for p in options if p.level == level)
        found.update((p.code, p) for p in turn.places.namesakes(one))
    return list(found.values())


#: Which larger places a choice names, from the most said to the least, and whether without
#: their level words: the whole path (district > province, with the commune when two choices
#: share a district), then the same without level words, then only what tells them apart.
_PATHS = (
    (("district", "province"), False), (("commune", "district", "province"), False),
    (("district", "province"), True), (("commune", "district", "province"), True),
    (("province",), True), (("district",), True), (("commune", "district"), True),
    (("commune",), True), (("commune", "province"), True),
)


def _place_list(turn: Turn, options: list[Place]) -> tuple[list[Place], str]:
    """The numbered choices and the choices kept. Where the reply must fit the SMS budget
    (Khmer is UCS-2: 201 characters in 3 parts) and the whole paths do not fit, each choice
    says less: only the larger places that tell it from the others; where even that does not
    fit, fewer choices are shown, always with "0 None of these"."""
    for count in range(len(options), 0, -1):
        shown = options[:count]
        for parts, short in _PATHS:
            described = [describe_place(turn, p, parts=parts, short=short) for p in shown]
            if len(set(described)) < len(described):
                continue  # two choices would read alike
            text = turn.texts.choose_place(described)
            if not turn.compact or fits_sms("\n".join([*turn.messages, text, *turn.tail])):
                return shown, text
    return options[:1], turn.texts.choose_place([describe_place(turn, options[0])])


def ask_province(
    turn: Turn, intent: str | None, place: Place, namesakes: list[Place], again: bool = False
) -> Reply:
    """"Which province?" for a name many places share; the answer narrows the namesakes (of
    the place's level, and, when they were offered with it, the villages named like it)."""
    provinces = len({p.province_code for p in namesakes})
    name = place.name(turn.locale)
    turn.kind = "choose_place"
    if again:
        turn.say(turn.texts.no_namesake_there(name))
    turn.say(turn.texts.which_province(name, provinces))
    data: dict[str, object] = {"namesake": place.code}
    also = next((p for p in namesakes if p.level != place.level), None)
    if also is not None:
        data["namesake_also"] = also.code
    if intent is not None:
        data["intent"] = intent
    return turn.reply(Step.CHOOSE_PLACE, data)


def on_namesake_province(turn: Turn, code: str, intent: str | None) -> Reply:
    """The answer to "which province?": the namesakes there (one: found; several: a list)."""
    searching = intent in SERVICE_TYPES
    place = turn.places.get(code)
    if place is None:
        return show_menu(turn)
    if turn.cls.number == 0:
        return ask_place(turn, str(intent)) if searching else show_menu(turn)
    also = turn.state.data.get("namesake_also")
    other = turn.places.get(also) if isinstance(also, str) else None
    namesakes = _namesakes(turn, [place] + ([other] if other is not None else []))
    if not turn.cls.places:
        if searching and turn.cls.intent in ANSWERS:
            return on_ask_place(turn)
        return ask_province(turn, intent, place, namesakes, again=True)
    wanted = {p.province_code for p in turn.cls.places}
    there = [p for p in namesakes if p.province_code in wanted or p in turn.cls.places]
    if not there:
        return ask_province(turn, intent, place, namesakes, again=True)
    if len(there) > 1:
        return choose_place(turn, intent, tuple(there), narrowed=True)
    if searching:
        return show_results(turn, str(intent), there[0])
    return place_first(turn, there[0])


def describe_place(
    turn: Turn,
    place: Place,
    commune: bool = False,
    parts: tuple[str, ...] = ("district", "province"),
    short: bool = False,
) -> str:
    """The place and what it lies in ("Thmei > Chbar Ampov > Phnom Penh"), so that
    same-named places can be told apart; ``commune`` adds a village's commune. ``parts``:
    which larger places to name; ``short``: their names without their level word (ភ្នំពេញ,
    not រាជធានីភ្នំពេញ)."""
    if commune and "commune" not in parts:
        parts = ("commune", *parts)
    names = [place.name(turn.locale)]
    codes = {"commune": place.code[:6] if len(place.code) > 6 else None,
             "district": place.district_code, "province": place.province_code}
    for level in parts:
        code = codes[level]
        parent = turn.places.get(code) if code else None
        if parent is not None and parent.code != place.code:
            name = parent.name(turn.locale)
            names.append(strip_level_word(name, LEVELS.index(parent.level)) if short else name)
    return turn.texts.place_path(names)


def show_results(
    turn: Turn, intent: str, place: Place | None, gps: GeoPoint | None = None
) -> Reply:
    """The first page of services, ranked by what the person can reach now (``bot.ranking``).
    A GPS point is used here only, in memory: the state and the demand event keep at most its
    district (so later pages measure from the district)."""
    types = SERVICE_TYPES[intent]
    origin = gps or (turn.points.point(place.code) if place else None)
    ranking = rank_first(  # the first RESULT_IDS_KEPT of them, and what the whole list says
        turn.directory.find(types),
        turn.points,
        origin,
        place.province_code if place else None,
        place.district_code if place else None,
        when=turn.when,
        limit=RESULT_IDS_KEPT,
    )
    event = turn.event(intent, ranking.outcome, types[0], place)
    turn.carry["service"] = intent
    if not ranking.first:
        turn.kind = "none_listed"
        turn.say(turn.texts.none_listed())
        _offer_helpline(turn)
        return turn.reply(Step.MENU, {"place": place.code} if place else _keep_place(turn), event)
    _heading(turn, intent, place, ranking.nearest_open_km, gps is not None)
    ids = [item.service.id for item in ranking.first]
    return _results_page(turn, intent, place, ranking.first, 0, gps, event, ids)


def _results_page(
    turn: Turn,
    intent: str,
    place: Place | None,
    ranked: list[Ranked],
    offset: int,
    gps: GeoPoint | None,
    event: DemandEvent | None,
    ids: list[int],
) -> Reply:
    """Services from ``offset``: on SMS compact numbered lines, as many as fit the budget with
    the heading and the next step; elsewhere ``PAGE_SIZE`` whole entries. What was shown is
    kept (``shown``), so that "their number" or "the first one" can refer to it later."""
    turn.kind = f"results/{intent}"
    mixed = len(SERVICE_TYPES[intent]) > 1
    shown = 0
    for number, item in enumerate(ranked[offset:], start=offset + 1):
        if turn.compact:
            line = turn.texts.service_line(number, item.service, item.distance_km, item.status)
            hint = turn.texts.details_hint(more=number < len(ranked))
            if shown and not fits_sms("\n".join([*turn.messages, line, hint, *turn.tail])):
                break
            stored = turn.texts.service_line(number, item.service, None, item.status)
        else:
            if shown == PAGE_SIZE:
                break
            line = _entry(turn, number, item, mixed, item.distance_km)
            stored = _entry(turn, number, item, mixed, None)
        if gps is not None and item.distance_km is not None:
            turn.say_unstored(line, stored)
        else:
            turn.say(line)
        _pin(turn, item)
        shown += 1
    end = offset + shown
    turn.say(turn.texts.details_hint(more=end < len(ranked)), *turn.tail)
    turn.carry["shown"] = {"intent": intent, "ids": ids, "offset": end}
    data: dict[str, object] = {}
    if place is not None:
        data["place"] = place.code
    return turn.reply(Step.RESULTS, data, event)


def _entry(turn: Turn, number: int, item: Ranked, mixed: bool, distance: float | None) -> str:
    """A whole entry (name, address, hours, phone, flags) with its number and status now."""
    area = _area(turn, item.service.district_code or item.service.province_code)
    stale_before = (turn.now - timedelta(days=STALE_AFTER_DAYS)).date()
    entry = turn.texts.service(item.service, distance, show_type=mixed, area=area,
                               stale_before=stale_before)
    return f"{turn.texts.number(number)}. {entry}\n{turn.texts.status(item.status)}"


def _ranked_again(turn: Turn, intent: str, place: Place | None, ids: list[int]) -> list[Ranked]:
    """A result list kept by id, measured again from the place and judged at this moment."""
    by_id = {s.id: s for s in turn.directory.find(SERVICE_TYPES[intent])}
    origin = turn.points.point(place.code) if place else None
    return measure([by_id[i] for i in ids if i in by_id], turn.points, origin, turn.when)


def show_details(turn: Turn, number: int) -> Reply | None:
    """The whole entry of a listed service ("reply a number for details"); None if ``number``
    is not one of those listed."""
    listed = _shown(turn)
    if listed is None or not 1 <= number <= listed[2]:
        return None
    intent, ids, offset = listed
    place = _remembered_place(turn)
    ranked = _ranked_again(turn, intent, place, [ids[number - 1]])
    if not ranked:
        return None
    item = ranked[0]
    turn.kind = "details"
    turn.say(_entry(turn, number, item, len(SERVICE_TYPES[intent]) > 1, item.distance_km))
    _pin(turn, item)
    turn.say(turn.texts.more_hint() if offset < len(ids) else turn.texts.no_more())
    return turn.reply(Step.RESULTS)


def _area(turn: Turn, code: str) -> str:
    place = turn.places.get(code)
    return describe_place(turn, place) if place else ""


def _heading(turn: Turn, intent: str, place: Place | None, nearest: float | None, gps: bool
             ) -> None:
    """``nearest``: the distance to the nearest service with room, of all those ranked."""
    if place is None and not gps:
        turn.say(turn.texts.results_heading(intent, None))
        return
    name = turn.texts.near_you() if gps or place is None else place.name(turn.locale)
    if nearest is not None and nearest > REACH_KM:
        turn.say(turn.texts.none_within_reach(name, int(REACH_KM)))
        if turn.directory.helpline:  # said after the list, where the budget is kept for it
            turn.tail.append(turn.texts.helpline(turn.directory.helpline))
    else:
        turn.say(turn.texts.results_heading(intent, name))


def _offer_helpline(turn: Turn) -> None:
    if turn.directory.helpline:
        turn.say(turn.texts.helpline(turn.directory.helpline))


def _pin(turn: Turn, item: Ranked) -> None:
    """Telegram gets a map pin per service that has coordinates of its own."""
    point = item.service.point
    if turn.can.pins and point is not None:
        turn.venues.append(
            Venue(point.latitude, point.longitude, item.service.name(turn.locale),
                  item.service.address(turn.locale))
        )


def gps_place(turn: Turn, point: GeoPoint) -> Place | None:
    """Coarsen a shared location to its district (the only form that is kept)."""
    code = turn.points.nearest_district(point)
    return turn.places.get(code) if code else None


def on_location(turn: Turn) -> Reply:
    """A shared location (Telegram, WhatsApp): the nearest services of the pending kind, or
    the menu with the district remembered."""
    point = turn.inbound.location
    assert point is not None
    place = gps_place(turn, point)
    pending = _service_meant(turn)
    if pending is not None:
        return show_results(turn, pending, place, gps=point)
    if place is None:
        return show_menu(turn)
    return place_first(turn, place)


def _remembered_place(turn: Turn) -> Place | None:
    code = turn.carry.get("place", turn.state.data.get("place"))
    return turn.places.get(code) if isinstance(code, str) else None


# --- the step table ---------------------------------------------------------------------------


def on_menu(turn: Turn) -> Reply:
    """START, MENU and RESULTS: route by menu number (in a result list: the listed service),
    keyword intent, or place."""
    cls = turn.cls
    if cls.more and turn.state.step is Step.RESULTS:
        return on_more(turn)
    if cls.number is not None:
        if turn.state.step is Step.RESULTS and (details := show_details(turn, cls.number)):
            return details
        choice = MENU_CHOICES.get(cls.number)
        if choice is None:
            return misunderstood(turn)
        return route(turn, choice)
    if cls.intent == "location" and cls.place is not None:
        wanted = _service_meant(turn)
        if wanted is not None:
            return want_service(turn, wanted)
        if len(cls.places) > 1:
            return choose_place(turn, None, cls.places)
        return place_first(turn, cls.place)
    key = answer_key(cls.intent, cls.topic)
    if key in SERVICE_TYPES or key in ANSWERS:
        return route(turn, key)
    if cls.suggestion in SERVICE_TYPES or cls.suggestion in ANSWERS:
        return suggest(turn, cls.suggestion)
    return misunderstood(turn)


def _service_meant(turn: Turn) -> str | None:
    """The service a place alone is about: a misspelt service word beside it ("clinc in
    siemreab"), a search under way, or the one the last answer led to."""
    if turn.cls.suggestion in SERVICE_TYPES:
        return str(turn.cls.suggestion)
    for pending in (turn.state.data.get("intent"), turn.state.data.get("then"),
                    turn.carry.get("service")):
        if isinstance(pending, str) and pending in SERVICE_TYPES:
            return pending
    return None


def place_first(turn: Turn, place: Place) -> Reply:
    """A place with nothing else (a name, or a shared location): keep it and ask what is
    needed; the menu's 1-3 then find that service there at once."""
    turn.kind = "menu/place"
    lead = turn.texts.place_noted(place.name(turn.locale))
    turn.say(turn.texts.menu(lead))
    return turn.reply(Step.MENU, {"place": place.code})


def route(turn: Turn, choice: str) -> Reply:
    if choice in SERVICE_TYPES:
        return want_service(turn, choice)
    if choice == "faq":
        turn.kind = "faq_menu"
        turn.say(turn.texts.faq_menu())
        return turn.reply(Step.FAQ_MENU, _keep_place(turn))
    return answer(turn, choice)


def on_more(turn: Turn) -> Reply:
    listed = _shown(turn)
    if listed is None:
        return show_menu(turn)
    intent, ids, offset = listed
    if offset >= len(ids):
        turn.kind = "no_more"
        turn.say(turn.texts.no_more())
        return turn.reply(Step.RESULTS)
    place = _remembered_place(turn)
    ranked = _ranked_again(turn, intent, place, ids)
    return _results_page(turn, intent, place, ranked, offset, None, None, ids)


def on_ask_place(turn: Turn) -> Reply:
    """Waiting for a place. A place, 0 (everywhere) or a shared location finds the services; a
    question is answered as one and the search goes on after it; anything else asks again,
    and never turns into a list for the whole country unasked."""
    cls = turn.cls
    intent = turn.state.data.get("intent")
    if not isinstance(intent, str) or intent not in SERVICE_TYPES:
        return show_menu(turn)
    if cls.intent in SERVICE_TYPES:
        intent = cls.intent  # changed their mind about the kind of service
    elif cls.suggestion in SERVICE_TYPES and cls.places:
        intent = str(cls.suggestion)
    if cls.number == 0:
        return show_results(turn, intent, None)
    if len(cls.places) > 1:
        return choose_place(turn, intent, cls.places)
    if cls.place is not None:
        return show_results(turn, intent, cls.place)
    if (key := answer_key(cls.intent, cls.topic)) in ANSWERS:
        return answer(turn, key, resume=intent)
    if cls.number is not None or cls.intent in ("faq", "menu"):
        return on_menu(turn)
    if cls.intent in SERVICE_TYPES:  # a service named again, or another one: where?
        return ask_place(turn, intent)
    attempts = int(turn.state.data.get("place_attempts", 0)) + 1
    turn.kind = f"ask_place/{intent}"
    turn.say(turn.texts.place_not_found())
    if turn.can.location_button:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE, {"intent": intent, "place_attempts": attempts})


def on_choose_place(turn: Turn) -> Reply:
    choices, intent = turn.state.data.get("choices"), turn.state.data.get("intent")
    namesake = turn.state.data.get("namesake")
    if isinstance(namesake, str):
        return on_namesake_province(turn, namesake, intent if isinstance(intent, str) else None)
    number = turn.cls.number
    searching = isinstance(intent, str) and intent in SERVICE_TYPES
    if isinstance(choices, list) and number is not None and 0 <= number <= len(choices):
        if number == 0:  # none of these
            if searching:
                return ask_place(turn, str(intent))
            return show_menu(turn)
        place = turn.places.get(str(choices[number - 1]))
        if place is not None:
            return show_results(turn, str(intent), place) if searching else place_first(turn, place)
    if searching and number is None:
        return on_ask_place(turn)  # a new place name, or something else
    return on_menu(turn)


def on_pages(turn: Turn) -> Reply:
    key, page = turn.state.data.get("answer"), turn.state.data.get("page")
    then = turn.state.data.get("then")
    if turn.cls.more and key is None and isinstance(then, str) and then in SERVICE_TYPES:
        return show_results(turn, then, _remembered_place(turn))  # "reply MORE for ... near X"
    if turn.cls.more and key in ANSWERS and isinstance(page, int) and page > 0:
        pending = turn.state.data.get("intent")
        resume = pending if isinstance(pending, str) and pending in SERVICE_TYPES else None
        return answer(turn, str(key), page, resume=resume)
    if turn.state.data.get("intent") in SERVICE_TYPES:
        return on_ask_place(turn)  # the search asked about before this answer
    return on_menu(turn)


def on_confirm(turn: Turn) -> Reply:
    suggested = turn.state.data.get("suggested")
    if suggested == "stop" and turn.cls.affirmative:
        return forget(turn)
    if suggested == "handoff" and turn.cls.affirmative and turn.desk is not None:
        return open_handoff(turn)
    if turn.cls.affirmative:
        if isinstance(suggested, str) and (suggested in SERVICE_TYPES or suggested in ANSWERS):
            return route(turn, suggested)
    return on_menu(turn)


def on_faq_menu(turn: Turn) -> Reply:
    if turn.cls.number is not None:
        choice = FAQ_CHOICES.get(turn.cls.number)
        if choice is None:
            return misunderstood(turn)
        if choice == "human":
            return human(turn)
        return answer(turn, choice)
    return on_menu(turn)


def _keep_place(turn: Turn) -> dict[str, object]:
    place = turn.carry.get("place", turn.state.data.get("place"))
    return {"place": place} if isinstance(place, str) else {}


STEPS: dict[Step, Callable[[Turn], Reply]] = {
    Step.START: on_menu,
    Step.MENU: on_menu,
    Step.RESULTS: on_menu,
    Step.ASK_PLACE: on_ask_place,
    Step.CHOOSE_PLACE: on_choose_place,
    Step.FAQ_MENU: on_faq_menu,
    Step.PAGES: on_pages,
    Step.CONFIRM: on_confirm,
    Step.HANDOFF: in_handoff,
}


def run(turn: Turn) -> Reply:
    if turn.state.step is Step.HANDOFF:
        return in_handoff(turn)  # a person reads this now: only STOP and emergencies are ours
    if turn.inbound.location is not None and not turn.inbound.text.strip():
        return on_location(turn)
    if turn.inbound.unsupported:
        turn.kind = "text_only"
        turn.say(turn.texts.text_only())
        return turn.reply(turn.state.step, dict(turn.state.data))
    return handle_global(turn) or STEPS[turn.state.step](turn)
