"""The words every layer shares: channels, languages, kinds of service, intents and their
topics, outcomes, what each channel can do, and the demand event.

The engine (``bot``), the channel adapters and the dashboard (``webhooks``) and storage
(``models``) all import these names from here, so a value is spelled once. Each enum is a
``StrEnum``: its members are the strings that are stored and exported, and they compare equal
to them. What each is called, to a texter or on the dashboard, is in ``core/labels.py``.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

#: Indochina Time; Cambodia keeps no daylight saving.
CAMBODIA = timezone(timedelta(hours=7), "ICT")


class Channel(enum.StrEnum):
    SMS = "sms"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"


class Locale(enum.StrEnum):
    KM = "km"
    EN = "en"


class ServiceType(enum.StrEnum):
    """Kinds of service in the directory; the persisted value is the enum value."""

    VOLUNTARY_TREATMENT = "voluntary_treatment"
    METHADONE = "methadone"
    NEEDLE_EXCHANGE = "needle_exchange"
    DROP_IN = "drop_in"


class Intent(enum.StrEnum):
    """What a message asks for. The names are part of the external contract (``flask
    classify`` prints them, demand events store them): never rename one."""

    MENU = "menu"
    FIND_CLINIC = "find_clinic"
    FIND_NEEDLE_EXCHANGE = "find_needle_exchange"
    FIND_METHADONE = "find_methadone"
    FAQ_COST = "faq_cost"
    FAQ_PRIVACY = "faq_privacy"
    FAQ_VOLUNTARY = "faq_voluntary"
    FAQ_METHADONE = "faq_methadone"
    FAMILY = "family"
    EMERGENCY = "emergency"
    SET_LANGUAGE = "set_language"
    STOP = "stop"
    #: The message only names a place.
    LOCATION = "location"
    UNKNOWN = "unknown"


class Topic(enum.StrEnum):
    """Which answer of its intent a message asks for ("emergency" and ``CRISIS``, "faq_privacy"
    and ``POLICE``): the classifier's second label, and the model's (``intent/topic``). Each
    topic belongs to one intent (``bot.intents.TOPICS``, whose first topic of an intent is its
    default); the names are the lexicons' and the model's labels: never rename one."""

    # emergency
    OVERDOSE = "overdose"
    CRISIS = "crisis"
    FIRST_AID = "first_aid"
    NALOXONE = "naloxone"
    SEIZURE = "seizure"
    HEAT = "heat"
    CHEST_PAIN = "chest_pain"
    PSYCHOSIS = "psychosis"
    BREATHING = "breathing"
    AMBULANCE = "ambulance"
    # faq_privacy
    DATA = "data"
    POLICE = "police"
    POLICE_NOW = "police_now"
    SAFE_NOW = "safe_now"
    DELETE = "delete"
    NUMBER = "number"
    PAPERS = "papers"
    #: "Any news?", "is there a bad batch?": the alerts the outreach team has posted for a place.
    NEWS = "news"
    # faq_voluntary
    VOLUNTARY = "voluntary"
    CENTRE = "centre"
    BOOKING = "booking"
    COMPANION = "companion"
    HOSPITAL = "hospital"
    # faq_methadone
    METHADONE = "methadone"
    RESTART = "restart"
    STIMULANTS = "stimulants"
    # family
    FAMILY = "family"
    INJECTING = "injecting"
    # find_clinic
    CLINIC = "clinic"
    CRAVINGS = "cravings"
    # menu
    MENU = "menu"
    HUMAN = "human"
    OPEN_NOW = "open_now"
    PHONE = "phone"
    DETAILS = "details"
    # stop
    STOP = "stop"
    UNSURE = "unsure"
    # unknown
    UNKNOWN = "unknown"
    THANKS = "thanks"
    PROGRESS = "progress"
    AFRAID = "afraid"


class Outcome(enum.StrEnum):
    """How a request ended, as a demand event records it (docs/PRIVACY.md, "What is stored")."""

    #: A service with room within 10 km, within 10-50 km, or (no distance known) listed.
    SERVED_WITHIN_10KM = "served_within_10km"
    SERVED_10_50KM = "served_10_50km"
    SERVED = "served"
    #: Unmet: the nearest with room is beyond 50 km, every one in reach is full, or none is
    #: listed.
    SERVED_FARTHER = "served_farther"
    ONLY_FULL = "only_full"
    NO_SERVICE = "no_service"
    #: Not a search: a question answered, an emergency answered, a message not understood.
    ANSWERED = "answered"
    EMERGENCY = "emergency"
    NOT_UNDERSTOOD = "not_understood"
    #: A texter asked to talk to an outreach worker (and agreed to what that means); when the
    #: handoff closed, whether a worker had written.
    HANDOFF_ASKED = "handoff_asked"
    HANDOFF_ANSWERED = "handoff_answered"
    HANDOFF_UNANSWERED = "handoff_unanswered"


#: Outcomes of a search that reached a service, and those that did not (the unmet demand).
class AlertKind(enum.StrEnum):
    """What a service or health alert says (``models/alerts.py``, README "Service and health
    alerts"): the stored and exported names; never rename one."""

    CLOSED = "closed"
    MOVED = "moved"
    REDUCED_HOURS = "reduced_hours"
    OUT_OF_STOCK = "out_of_stock"
    CALL_FIRST = "call_first"
    #: About the drug supply (a bad batch): the only kind that carries advice.
    HEALTH = "health"


REACHED_OUTCOMES = (Outcome.SERVED_WITHIN_10KM, Outcome.SERVED_10_50KM, Outcome.SERVED)
UNMET_OUTCOMES = (Outcome.SERVED_FARTHER, Outcome.ONLY_FULL, Outcome.NO_SERVICE)
HANDOFF_OUTCOMES = (Outcome.HANDOFF_ASKED, Outcome.HANDOFF_ANSWERED, Outcome.HANDOFF_UNANSWERED)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can show and do; the engine shapes its replies by these, never by the
    channel's name, so a new channel is one adapter and one row of ``CAPABILITIES``."""

    #: Every reply to one inbound message fits the SMS segment budget (``bot.segments``), with
    #: one compact line per service.
    sms_budget: bool = False
    #: Long answers come a page at a time ("reply MORE"); otherwise whole.
    paged: bool = True
    #: All of a reply's blocks go out as one message (otherwise packed into SMS-sized ones).
    one_message: bool = False
    #: Quick-reply buttons, among them one that shares the person's location.
    location_button: bool = False
    #: A map pin per service that has coordinates.
    pins: bool = False


CAPABILITIES: dict[Channel, Capabilities] = {
    Channel.SMS: Capabilities(sms_budget=True),
    Channel.WHATSAPP: Capabilities(),
    Channel.TELEGRAM: Capabilities(paged=False, one_message=True, location_button=True,
                                   pins=True),
}


@dataclass(frozen=True, slots=True)
class DemandEvent:
    """One unlinkable record of demand: no sender key, no time finer than the hour, no free text.

    Its words are members of the enums above, whatever the caller passed (a name read from
    storage or state is a plain string): a value that is not one fails here, not in storage."""

    day: str  # ISO date
    hour: int
    channel: Channel
    locale: Locale
    intent: Intent
    service_type: ServiceType | None
    province_code: str | None
    district_code: str | None
    outcome: Outcome

    def __post_init__(self) -> None:
        for name, kind in (("channel", Channel), ("locale", Locale), ("intent", Intent),
                           ("outcome", Outcome)):
            object.__setattr__(self, name, kind(getattr(self, name)))
        if self.service_type is not None:
            object.__setattr__(self, "service_type", ServiceType(self.service_type))

    @classmethod
    def at(cls, now: datetime, **fields: Any) -> DemandEvent:
        """Dated in Cambodia's own time (UTC+7, no daylight saving), so days and hours mean
        what outreach workers expect."""
        local = now.astimezone(CAMBODIA) if now.tzinfo else now
        return cls(day=local.date().isoformat(), hour=local.hour, **fields)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
