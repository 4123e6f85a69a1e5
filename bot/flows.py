"""The conversation as an explicit state machine.

```mermaid
stateDiagram-v2
    [*] --> START
    START --> MENU: greeting / unknown / number
    START --> ASK_PLACE: service wanted, no place yet
    START --> RESULTS: service + place in one message
    MENU --> ASK_PLACE: 1-3 or a service keyword
    MENU --> FAQ_MENU: 4
    MENU --> PAGES: a long answer (SMS)
    PAGES --> PAGES: MORE
    PAGES --> ASK_PLACE: family advice ends by asking where
    MENU --> CONFIRM: a near-miss spelling ("did you mean ...?")
    CONFIRM --> ASK_PLACE: YES
    ASK_PLACE --> RESULTS: a place, a shared location, or 0 for all
    ASK_PLACE --> CHOOSE_PLACE: several places match about equally
    CHOOSE_PLACE --> RESULTS: a number
    ASK_PLACE --> ASK_PLACE: place not found (twice, then all of Cambodia)
    RESULTS --> RESULTS: MORE
    FAQ_MENU --> MENU: 0
    ANY --> PAGES: an emergency (overdose first aid, paged on SMS)
    ANY --> [*]: a clear opt-out (STOP, ឈប់, "delete my data"): forgotten
    ANY --> CONFIRM: maybe an opt-out ("leave me alone", "stpo")
    CONFIRM --> [*]: YES or DELETE
    CONFIRM --> MENU: MENU (anything else is read as a new message)
    note right of MENU: before any step - emergencies, opt-outs, MENU, language
```

Global readings are checked before the step table, in this order: an emergency (overrides
everything: overdose first aid, a crisis, CPR or naloxone), an opt-out (a clear one forgets the
conversation at once; one that may not be meant is asked about first, and a provider's STOP word
on SMS always forgets), menu/help, and a language name. Then the handler for the current step
decides. Every reply ends with one clear next step, and repeated misunderstandings stop
re-sending the menu so the bot never loops. ``ANY`` stands for every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.directory import Directory
from bot.geo import ReferencePoints
from bot.intents import Classification
from bot.places import Place, PlaceResolver
from bot.ranking import REACH_KM, Ranked, outcome, rank
from bot.replies import Texts
from bot.segments import pack_for_sms
from bot.types import (
    Button,
    Channel,
    DemandEvent,
    GeoPoint,
    Inbound,
    Locale,
    OutMessage,
    Reply,
    ServiceType,
    State,
    Step,
    Venue,
)

PAGE_SIZE = 3
#: After this many misunderstandings in a row the bot stops re-sending the whole menu.
MAX_MISUNDERSTOOD = 2

SERVICE_TYPES: dict[str, tuple[ServiceType, ...]] = {
    "find_clinic": (ServiceType.VOLUNTARY_TREATMENT,),
    "find_needle_exchange": (ServiceType.NEEDLE_EXCHANGE, ServiceType.DROP_IN),
    "find_methadone": (ServiceType.METHADONE,),
}
MENU_CHOICES = {
    1: "find_clinic",
    2: "find_needle_exchange",
    3: "find_methadone",
    4: "faq",
    5: "family",
    6: "emergency",
}
FAQ_CHOICES = {1: "faq_cost", 2: "faq_privacy", 3: "faq_voluntary", 4: "faq_methadone"}
#: Answers as pages; SMS shows one page at a time ("reply MORE"), Telegram all at once. Keyed by
#: intent, or by ``intent/topic`` where the topic asked for has an answer of its own.
ANSWERS: dict[str, Callable[[Texts], tuple[str, ...]]] = {
    "emergency": Texts.emergency,
    "emergency/first_aid": Texts.first_aid,
    "emergency/naloxone": Texts.naloxone,
    "faq_cost": Texts.faq_cost,
    # The questions menu asks "Is it private? Will police know?": both answers.
    "faq_privacy": lambda texts: (texts.not_police(), *texts.faq_privacy()),
    "faq_privacy/data": Texts.faq_privacy,
    "faq_privacy/police": Texts.faq_police,
    "faq_privacy/police_now": Texts.police_now,
    "faq_privacy/safe_now": Texts.safe_now,
    "faq_voluntary": Texts.faq_voluntary,
    "faq_voluntary/centre": Texts.faq_centre,
    "faq_methadone": Texts.faq_methadone,
    "family": Texts.family,
}
#: After the last page of these answers the bot waits for a place to find a service.
THEN_FIND = {"family": "find_clinic"}


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
    messages: list[str] = field(default_factory=list)
    #: The storable version of ``messages`` once any block differs (GPS distances left out).
    record: list[str] | None = None
    buttons: list[Button] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)

    @property
    def locale(self) -> Locale:
        return self.texts.locale

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
        keep = {"locale_chosen": True} if self.state.data.get("locale_chosen") else {}
        new_state = State(locale=self.locale, step=step, data={**keep, **(data or {})})
        return Reply(
            messages=self.render(), state=new_state, demand_event=event, locale=self.locale,
            record=self.render(self.record) if self.record is not None else None,
        )

    def render(self, blocks: list[str] | None = None) -> tuple[OutMessage, ...]:
        """SMS and WhatsApp get the blocks packed into messages within the segment budget;
        Telegram gets one message. Buttons and map pins ride on the last message."""
        blocks = self.messages if blocks is None else blocks
        if self.inbound.channel is Channel.TELEGRAM:
            texts = ["\n\n".join(blocks)] if blocks else []
        else:
            texts = pack_for_sms(blocks)
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
    intent = turn.cls.intent
    if turn.inbound.provider_opted_out:  # the SMS provider has already blocked the sender
        return forget(turn)
    if intent == "emergency":
        return emergency(turn)
    if intent == "stop":
        if turn.cls.definite:
            return forget(turn)
        turn.say(turn.texts.confirm_stop())  # "leave me alone", "stpo": ask before deleting
        return turn.reply(Step.CONFIRM, {"suggested": "stop", **_keep_place(turn)})
    if intent == "set_language":
        turn.say(turn.texts.language_set(), turn.texts.menu())
        return turn.reply(Step.MENU, {"locale_chosen": True})
    if intent == "menu" and turn.cls.topic == "human":
        return human(turn)
    if intent == "menu" and turn.cls.number is None:
        return show_menu(turn)
    if turn.cls.number == 0 and turn.state.step is not Step.ASK_PLACE:
        return show_menu(turn)
    return None


# --- actions ----------------------------------------------------------------------------------


def show_menu(turn: Turn, keep: dict[str, object] | None = None) -> Reply:
    turn.say(turn.texts.menu())
    return turn.reply(Step.MENU, keep)


def forget(turn: Turn) -> Reply:
    """Opt-out: delete the conversation. After a one-word SMS opt-out the SMS provider blocks
    further messages until START, and the goodbye says so."""
    if turn.inbound.provider_opted_out:
        turn.say(turn.texts.stopped_by_provider_word())
    else:
        turn.say(turn.texts.stopped())
    return Reply(messages=turn.render(), state=None, locale=turn.locale)


def emergency(turn: Turn) -> Reply:
    """Overdose first aid by default; the crisis reply for thoughts of suicide; the first-aid
    or naloxone answer when that is what was asked."""
    if turn.cls.topic == "crisis":
        texts = turn.texts.crisis()
        turn.say(texts[0])
        if turn.directory.helpline:
            turn.say(turn.texts.talk_to_person(turn.directory.helpline))
        turn.say(*texts[1:])
        return turn.reply(Step.MENU, _keep_place(turn), turn.event("emergency", "emergency"))
    return answer(turn, answer_key("emergency", turn.cls.topic))


def human(turn: Turn) -> Reply:
    """"Can I talk to a real person?": honestly, not through Sangkhim yet; what there is."""
    turn.say(turn.texts.human())
    if turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    return turn.reply(Step.MENU, _keep_place(turn), turn.event("menu", "answered"))


def answer_key(intent: str, topic: str) -> str:
    """The answer for an intent and topic: the topic's own, else the intent's."""
    key = f"{intent}/{topic}"
    return key if key in ANSWERS else intent


def answer(turn: Turn, key: str, page: int = 0) -> Reply:
    """One page of an answer (all pages on Telegram), then its next step."""
    pages = ANSWERS[key](turn.texts)
    intent = key.partition("/")[0]
    event = None
    if page == 0:
        event = turn.event(intent, "emergency" if intent == "emergency" else "answered")
    if turn.inbound.channel is Channel.TELEGRAM:
        turn.say(*pages[page:])
        page = len(pages) - 1
    else:
        turn.say(pages[page])
    if page + 1 < len(pages):
        turn.say(turn.texts.more_pages())
        return turn.reply(Step.PAGES, {"answer": key, "page": page + 1, **_keep_place(turn)}, event)
    if key in THEN_FIND:
        return turn.reply(Step.ASK_PLACE, {"intent": THEN_FIND[key]}, event)
    return turn.reply(Step.MENU, _keep_place(turn), event)


def suggest(turn: Turn, intent: str) -> Reply:
    turn.say(turn.texts.did_you_mean(intent))
    return turn.reply(Step.CONFIRM, {"suggested": intent, **_keep_place(turn)})


def misunderstood(turn: Turn) -> Reply:
    count = int(turn.state.data.get("misunderstood", 0)) + 1
    if count > MAX_MISUNDERSTOOD:
        turn.say(turn.texts.still_not_understood())
    elif turn.state.step is Step.START:
        # a first message may be a greeting: no apology, but it counts, and it may be an
        # emergency told in words the bot does not know
        turn.say(turn.texts.emergency_line(), turn.texts.menu())
    else:
        turn.say(turn.texts.not_understood(), turn.texts.menu())
    event = turn.event("unknown", "not_understood") if count == 1 else None
    return turn.reply(Step.MENU, {"misunderstood": count}, event)


def want_service(turn: Turn, intent: str) -> Reply:
    """A service was asked for: answer at once if a place is known, else ask where."""
    if len(turn.cls.places) > 1:
        return choose_place(turn, intent, turn.cls.places)
    place = turn.cls.place or _remembered_place(turn)
    if place is not None:
        return show_results(turn, intent, place)
    return ask_place(turn, intent)


def ask_place(turn: Turn, intent: str, data: dict[str, object] | None = None) -> Reply:
    turn.say(turn.texts.ask_place(intent))
    if turn.inbound.channel is Channel.TELEGRAM:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE, {"intent": intent, **(data or {})})


def choose_place(turn: Turn, intent: str, places: tuple[Place, ...]) -> Reply:
    """Several places match about equally: ask, numbered, rather than guess."""
    options = places[:5]
    turn.say(turn.texts.choose_place([describe_place(turn, p) for p in options]))
    return turn.reply(Step.CHOOSE_PLACE, {"intent": intent, "choices": [p.code for p in options]})


def describe_place(turn: Turn, place: Place) -> str:
    """"Name (Province)" so same-named places can be told apart."""
    province = turn.places.get(place.province_code)
    if province is None or province.code == place.code:
        return place.name(turn.locale)
    return turn.texts.place_in(place.name(turn.locale), province.name(turn.locale))


def show_results(
    turn: Turn, intent: str, place: Place | None, gps: GeoPoint | None = None, offset: int = 0
) -> Reply:
    """A page of the nearest services. A GPS point is used here only, in memory: the state and
    the demand event keep at most its district (so later pages rank from the district)."""
    types = SERVICE_TYPES[intent]
    origin = gps or (turn.points.point(place.code) if place else None)
    ranked = rank(
        turn.directory.find(types),
        turn.points,
        origin,
        place.province_code if place else None,
        place.district_code if place else None,
    )
    event = turn.event(intent, outcome(ranked), types[0], place) if offset == 0 else None
    page = ranked[offset : offset + PAGE_SIZE]
    if not page:
        if offset:
            turn.say(turn.texts.no_more())
        else:
            turn.say(turn.texts.none_listed())
            _offer_helpline(turn)
        return turn.reply(Step.MENU, _keep_place(turn) if place is None else {"place": place.code}, event)
    if offset == 0:
        _heading(turn, intent, place, ranked, gps is not None)
    mixed = len(types) > 1
    show_distance = offset == 0 or gps is None
    for item in page:
        distance = item.distance_km if show_distance else None
        area = _area(turn, item.service.district_code or item.service.province_code)
        entry = turn.texts.service(item.service, distance, show_type=mixed, area=area)
        if gps is not None and distance is not None:
            turn.say_unstored(entry, turn.texts.service(item.service, None, mixed, area))
        else:
            turn.say(entry)
        _pin(turn, item)
    if len(ranked) > offset + PAGE_SIZE:
        turn.say(turn.texts.more_hint())
    data: dict[str, object] = {"intent": intent, "offset": offset + PAGE_SIZE}
    if place is not None:
        data["place"] = place.code
    return turn.reply(Step.RESULTS, data, event)


def _area(turn: Turn, code: str) -> str:
    place = turn.places.get(code)
    return describe_place(turn, place) if place else ""


def _heading(turn: Turn, intent: str, place: Place | None, ranked: list[Ranked], gps: bool) -> None:
    if place is None and not gps:
        turn.say(turn.texts.results_heading(intent, None))
        return
    name = turn.texts.near_you() if gps or place is None else place.name(turn.locale)
    open_services = [r for r in ranked if not r.service.is_full]
    nearest = open_services[0].distance_km if open_services else None
    if nearest is not None and nearest > REACH_KM:
        turn.say(turn.texts.none_within_reach(name, int(REACH_KM)))
        _offer_helpline(turn)
    else:
        turn.say(turn.texts.results_heading(intent, name))


def _offer_helpline(turn: Turn) -> None:
    if turn.directory.helpline:
        turn.say(turn.texts.helpline(turn.directory.helpline))


def _pin(turn: Turn, item: Ranked) -> None:
    """Telegram gets a map pin per service that has coordinates of its own."""
    point = item.service.point
    if turn.inbound.channel is Channel.TELEGRAM and point is not None:
        turn.venues.append(
            Venue(point.latitude, point.longitude, item.service.name(turn.locale),
                  item.service.address(turn.locale))
        )


def gps_place(turn: Turn, point: GeoPoint) -> Place | None:
    """Coarsen a shared location to its district (the only form that is kept)."""
    code = turn.points.nearest_district(point)
    return turn.places.get(code) if code else None


def on_location(turn: Turn) -> Reply:
    """A shared location (Telegram, WhatsApp): the nearest services of the pending kind, or the
    menu with the district remembered."""
    point = turn.inbound.location
    assert point is not None
    place = gps_place(turn, point)
    pending = turn.state.data.get("intent")
    if isinstance(pending, str) and pending in SERVICE_TYPES:
        return show_results(turn, pending, place, gps=point)
    return show_menu(turn, {"place": place.code} if place else None)


def _remembered_place(turn: Turn) -> Place | None:
    code = turn.state.data.get("place")
    return turn.places.get(code) if isinstance(code, str) else None


# --- the step table ---------------------------------------------------------------------------


def on_menu(turn: Turn) -> Reply:
    """START, MENU and RESULTS: route by menu number, keyword intent, or place."""
    cls = turn.cls
    if cls.more and turn.state.step is Step.RESULTS:
        return on_more(turn)
    if cls.number is not None:
        choice = MENU_CHOICES.get(cls.number)
        if choice is None:
            return misunderstood(turn)
        return route(turn, choice)
    if cls.intent == "location" and cls.place is not None:
        pending = turn.state.data.get("intent")
        if isinstance(pending, str) and pending in SERVICE_TYPES:
            return want_service(turn, pending)
        return show_menu(turn, {"place": cls.place.code} if len(cls.places) == 1 else None)
    if cls.intent in SERVICE_TYPES or cls.intent in ANSWERS:
        return route(turn, answer_key(cls.intent, cls.topic))
    if cls.suggestion in SERVICE_TYPES or cls.suggestion in ANSWERS:
        return suggest(turn, cls.suggestion)
    return misunderstood(turn)


def route(turn: Turn, choice: str) -> Reply:
    if choice in SERVICE_TYPES:
        return want_service(turn, choice)
    if choice == "faq":
        turn.say(turn.texts.faq_menu())
        return turn.reply(Step.FAQ_MENU, _keep_place(turn))
    return answer(turn, choice)


def on_more(turn: Turn) -> Reply:
    intent = turn.state.data.get("intent")
    offset = turn.state.data.get("offset", PAGE_SIZE)
    if not isinstance(intent, str) or intent not in SERVICE_TYPES or not isinstance(offset, int):
        return show_menu(turn)
    return show_results(turn, intent, _remembered_place(turn), offset=offset)


def on_ask_place(turn: Turn) -> Reply:
    cls = turn.cls
    intent = turn.state.data.get("intent")
    if not isinstance(intent, str) or intent not in SERVICE_TYPES:
        return show_menu(turn)
    if cls.intent in SERVICE_TYPES:
        intent = cls.intent  # changed their mind about the kind of service
    if cls.number == 0:
        return show_results(turn, intent, None)
    if len(cls.places) > 1:
        return choose_place(turn, intent, cls.places)
    if cls.place is not None:
        return show_results(turn, intent, cls.place)
    if cls.intent in ANSWERS or cls.number is not None:
        return on_menu(turn)
    if cls.intent in SERVICE_TYPES:
        return want_service(turn, intent)
    attempts = int(turn.state.data.get("place_attempts", 0)) + 1
    if attempts >= 2:
        return show_results(turn, intent, None)
    turn.say(turn.texts.place_not_found())
    if turn.inbound.channel is Channel.TELEGRAM:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE, {"intent": intent, "place_attempts": attempts})


def on_choose_place(turn: Turn) -> Reply:
    choices, intent = turn.state.data.get("choices"), turn.state.data.get("intent")
    number = turn.cls.number
    if (
        isinstance(choices, list) and isinstance(intent, str) and intent in SERVICE_TYPES
        and number is not None and 1 <= number <= len(choices)
    ):
        place = turn.places.get(str(choices[number - 1]))
        if place is not None:
            return show_results(turn, intent, place)
    if isinstance(intent, str) and intent in SERVICE_TYPES and number is None:
        return on_ask_place(turn)  # a new place name, or something else
    return on_menu(turn)


def on_pages(turn: Turn) -> Reply:
    intent, page = turn.state.data.get("answer"), turn.state.data.get("page")
    if turn.cls.more and intent in ANSWERS and isinstance(page, int):
        pages = len(ANSWERS[str(intent)](turn.texts))
        if 0 < page < pages:
            return answer(turn, str(intent), page)
    return on_menu(turn)


def on_confirm(turn: Turn) -> Reply:
    suggested = turn.state.data.get("suggested")
    if suggested == "stop" and turn.cls.affirmative:
        return forget(turn)
    if turn.cls.affirmative:
        if isinstance(suggested, str) and (suggested in SERVICE_TYPES or suggested in ANSWERS):
            return route(turn, suggested)
    return on_menu(turn)


def on_faq_menu(turn: Turn) -> Reply:
    if turn.cls.number is not None:
        choice = FAQ_CHOICES.get(turn.cls.number)
        if choice is None:
            return misunderstood(turn)
        return answer(turn, choice)
    return on_menu(turn)


def _keep_place(turn: Turn) -> dict[str, object]:
    place = turn.state.data.get("place")
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
}


def run(turn: Turn) -> Reply:
    if turn.inbound.location is not None and not turn.inbound.text.strip():
        return on_location(turn)
    if turn.inbound.unsupported:
        turn.say(turn.texts.text_only())
        return turn.reply(turn.state.step, dict(turn.state.data))
    return handle_global(turn) or STEPS[turn.state.step](turn)
