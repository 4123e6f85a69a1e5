"""Service and health alerts in the conversation (README, "Service and health alerts").

Outreach workers post alerts (``core.alert_info.AlertInfo``); the turn's directory gives the
engine those in force at its instant (``Directory.alerts``) and the engine checks each one's
term against the turn's ``now`` too. Here:

- which alerts concern a result list: the place's own (the whole country, the province, the
  district asked about: one line for the list) and each listed service's (a line with it);
- which services an alert closes: only a ``closed`` alert scoped to that service takes it out
  of the list (a place-wide ``closed`` alert is shown as a line, not applied to every service);
- "any news?", "is there a bad batch?": the alerts for the texter's place, or, where none
  applies, an honest "nothing posted" with the general safety advice (``tell_news``);
- a health alert for the conversation's province offered once with the first aid after an
  overdose (``offer_health``); the conversation keeps only the alerts' ids (``alerted``).

An alert's line is its own text in the conversation's language, with its kind's label in
front where the SMS budget leaves room (each text fits one segment: ``core.alert_rules``).
Nothing here says anything about police: alerts speak about services and health.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.context import MAX_ALERTED
from bot.places import Place
from bot.segments import fits_sms
from bot.turn import Turn
from bot.types import Button, Reply, Step
from core.alert_info import AlertInfo, ScopeKind, applying_to
from core.directory import ServiceInfo
from core.vocabulary import AlertKind, Intent, Outcome, ServiceType

#: The answer's key (``intent/topic``): "any news?", "is there a bad batch?".
NEWS = "faq_privacy/news"
#: The state key of the health alerts already offered in this conversation (their ids).
ALERTED = "alerted"


def in_force(turn: Turn) -> list[AlertInfo]:
    """The alerts in force at the turn's instant."""
    return [a for a in turn.directory.alerts() if a.active_at(turn.now)]


def _service_id(alert: AlertInfo) -> int | None:
    if alert.scope.kind is not ScopeKind.SERVICE:
        return None
    try:
        return int(alert.scope.code)
    except ValueError:
        return None


def closed_ids(alerts: Iterable[AlertInfo]) -> frozenset[int]:
    """The services a ``closed`` alert of their own closes."""
    return frozenset(i for a in alerts if a.kind is AlertKind.CLOSED
                     and (i := _service_id(a)) is not None)


def open_only(turn: Turn, services: Sequence[ServiceInfo]) -> list[ServiceInfo]:
    """The services no alert of their own says are closed (these are not offered)."""
    closed = closed_ids(in_force(turn)) if services else frozenset()
    return [s for s in services if s.id not in closed]


def of_service(alerts: Iterable[AlertInfo], service: ServiceInfo) -> list[AlertInfo]:
    """A service's own alerts (health first, the latest first)."""
    return [a for a in applying_to(alerts, None, None, service.id)
            if a.scope.kind is ScopeKind.SERVICE]


def of_place(alerts: Iterable[AlertInfo], place: Place | None) -> list[AlertInfo]:
    """The alerts for a place as a whole: the country's, its province's, its district's (a
    district alert is not shown for another district, nor for the province as a whole). No
    place (all of Cambodia): the country's."""
    return applying_to([a for a in alerts if a.scope.kind is not ScopeKind.SERVICE],
                       place.province_code if place else None,
                       place.district_code if place else None)


def line(turn: Turn, alert: AlertInfo, around: Sequence[str] = ()) -> str | None:
    """An alert's line: labelled by its kind if the SMS budget leaves room, else its text
    alone, else None (it does not fit with the reply so far, ``around`` and the tail).
    Elsewhere always labelled."""
    labelled = turn.texts.alert_line(alert)
    if not turn.compact:
        return labelled
    for candidate in (labelled, alert.text(turn.locale)):
        if fits_sms("\n".join([*turn.messages, candidate, *around, *turn.tail]), turn.budget):
            return candidate
    return None


def _in_place(service: ServiceInfo, place: Place | None) -> bool:
    if place is None:
        return True
    if place.district_code:
        return service.district_code == place.district_code
    return service.province_code == place.province_code


def posted_for(turn: Turn, place: Place | None) -> list[tuple[AlertInfo, str | None]]:
    """What the outreach team has posted for a place, each alert with what it is about when
    that is narrower than the place (a service's name, a district's in a province asked
    about): health alerts first, then the place's own, its districts', its services'."""
    alerts = in_force(turn)
    services = {s.id: s for s in turn.directory.find(tuple(ServiceType))
                if _in_place(s, place)}
    found: list[tuple[AlertInfo, str | None]] = [(a, None) for a in of_place(alerts, place)]
    if place is None or not place.district_code:  # all of it: its provinces' and districts'
        narrower = (ScopeKind.DISTRICT,) if place else (ScopeKind.PROVINCE, ScopeKind.DISTRICT)
        for alert in alerts:
            if (alert.scope.kind in narrower
                    and (place is None or alert.scope.code.startswith(place.province_code))
                    and (unit := turn.places.get(alert.scope.code)) is not None):
                found.append((alert, unit.name(turn.locale)))
    found += [(a, services[i].name(turn.locale)) for a in alerts
              if (i := _service_id(a)) is not None and i in services]
    found.sort(key=lambda pair: pair[0].kind is not AlertKind.HEALTH)  # stable: health first
    return found


def news_line(turn: Turn, alert: AlertInfo, about: str | None, labelled: bool = True) -> str:
    """One alert of the news: what it is about, its line, and a health alert's advice."""
    text = turn.texts.alert_line(alert) if labelled else alert.text(turn.locale)
    if about is not None:
        text = turn.texts.alert_of(about, text)
    if alert.kind is AlertKind.HEALTH and alert.advice(turn.locale):
        text = f"{text}\n{alert.advice(turn.locale)}"
    return text


def news_for(turn: Turn, place: Place | None) -> list[str]:
    """The news for a place as whole lines (``posted_for``), labelled."""
    return [news_line(turn, alert, about) for alert, about in posted_for(turn, place)]


def want_news(turn: Turn) -> Reply:
    """"Any news?": the place in the message, else the one the conversation has, else ask."""
    place = turn.cls.place or turn.remembered_place()
    if place is None and turn.cls.number != 0:
        return ask_news_place(turn)
    return tell_news(turn, place)


def ask_news_place(turn: Turn, again: bool = False) -> Reply:
    """Which province or town? (as a search asks; 0 for all of Cambodia)."""
    turn.kind = "ask_place/news"
    turn.say(turn.texts.place_not_found() if again else turn.texts.ask_news_place())
    if turn.can.location_button:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE, {"intent": NEWS})


def on_news_place(turn: Turn) -> Reply | None:
    """Waiting for the place of "any news?": a place (the likeliest of several), 0 or a
    shared location answers it; a place not found asks again; None for anything else (read
    as in the menu)."""
    cls = turn.cls
    if cls.place is not None:
        return tell_news(turn, cls.place)
    if cls.number == 0:
        return tell_news(turn, None)
    if cls.intent in (Intent.UNKNOWN, Intent.LOCATION) and not cls.more and cls.number is None:
        return ask_news_place(turn, again=True)
    return None


def tell_news(turn: Turn, place: Place | None, start: int = 0) -> Reply:
    """The alerts for a place (on SMS as many as fit, MORE for the rest), or the honest
    "nothing posted" with the general safety advice. Never a word about police."""
    if place is not None:
        turn.carry["place"] = place.code
    name = place.name(turn.locale) if place else turn.texts.all_cambodia()
    posted = posted_for(turn, place)
    event = turn.event(Intent.FAQ_PRIVACY, Outcome.ANSWERED, None, place) if start == 0 else None
    turn.kind = "faq_privacy/news"
    if not posted:
        turn.say(turn.texts.nothing_posted(name), turn.texts.general_advice(),
                 turn.texts.news_next())
        return turn.reply(Step.MENU, turn.keep_place(), event)
    heading = turn.texts.news_heading(name)
    if start == 0:
        turn.say(heading)
    end = start
    for alert, about in posted[start:]:
        after = turn.texts.more_pages() if end + 1 < len(posted) else turn.texts.news_next()
        text = news_line(turn, alert, about)
        if turn.compact and not fits_sms("\n".join([*turn.messages, text, after]), turn.budget):
            if end > start:
                break  # on the next page
            # the first of a page is said, short: without its label, then without the heading
            text = news_line(turn, alert, about, labelled=False)
            if (not fits_sms("\n".join([*turn.messages, text, after]), turn.budget)
                    and turn.messages[-1:] == [heading]):
                turn.messages.pop()
        turn.say(text)
        end += 1
    if end < len(posted):
        turn.say(turn.texts.more_pages())
        where = {"news_place": place.code if place else ""}  # "" : all of Cambodia
        return turn.reply(Step.PAGES, {"news": end, **where, **turn.keep_place()}, event)
    turn.say(turn.texts.news_next())
    return turn.reply(Step.MENU, turn.keep_place(), event)


def news_more(turn: Turn) -> Reply | None:
    """MORE after a page of news: the next alerts of the place kept."""
    start = turn.state.data.get("news")
    if not (turn.cls.more and isinstance(start, int) and start > 0):
        return None
    code = turn.state.data.get("news_place")
    place = turn.places.get(code) if isinstance(code, str) and code else None
    return tell_news(turn, place, start)


def alerted(turn: Turn) -> list[int]:
    """The ids of the health alerts already offered in this conversation."""
    ids = turn.carry.get(ALERTED)
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def health_for(turn: Turn, place: Place | None) -> list[AlertInfo]:
    """Health alerts in force for a place's province (a district's too, where the place is in
    it) that this conversation has not been offered yet."""
    if place is None:
        return []
    told = set(alerted(turn))
    return [a for a in applying_to(in_force(turn), place.province_code, place.district_code)
            if a.kind is AlertKind.HEALTH and a.scope.kind is not ScopeKind.SERVICE
            and a.id not in told]


def offer_health(turn: Turn, after: Sequence[str] = ()) -> None:
    """With the first aid after an overdose: a health alert for the conversation's province,
    once per conversation, with its advice, where the reply has room for it (``after``: the
    lines that end the reply). The first aid comes first; an alert that does not fit is
    offered with a later page."""
    place = turn.cls.place or turn.remembered_place()
    for alert in health_for(turn, place):
        text = f"{turn.texts.alert_line(alert)}\n{alert.advice(turn.locale)}".strip()
        if turn.compact and not fits_sms("\n".join([*turn.messages, text, *after]),
                                          turn.budget):
            continue
        turn.say(text)
        turn.carry[ALERTED] = sorted({*alerted(turn), alert.id})[-MAX_ALERTED:]
