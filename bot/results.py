"""Finding services, second part: the services found near a place, ranked by what the person
can reach now (``bot.ranking``), a page at a time ("reply MORE"), and one service's details.

A shared GPS point is used here only, in memory: the state and the demand event keep at most
its district. Questions about the services once listed ("their number", "are they open?") are
``bot.listed``.
"""

from __future__ import annotations

from datetime import timedelta

from bot.place_choice import ask_place, choose_place, describe_place, gps_place, place_first
from bot.places import Place
from bot.ranking import Ranked, measure, rank_first
from bot.reach import REACH_KM
from bot.segments import fits_sms
from bot.turn import SERVICE_TYPES, Turn, show_menu
from bot.types import Reply, Step, Venue
from core.geo import GeoPoint
from core.vocabulary import DemandEvent

PAGE_SIZE = 3
#: An entry not checked with its service for this long says so ("last checked Mar 2026").
STALE_AFTER_DAYS = 180
#: How many ranked services a result list keeps (by id) for MORE and details.
RESULT_IDS_KEPT = 30


def want_service(turn: Turn, intent: str) -> Reply:
    """A service was asked for: answer at once if a place is known, else ask where."""
    if len(turn.cls.places) > 1:
        return choose_place(turn, intent, turn.cls.places)
    place = turn.cls.place or turn.remembered_place()
    if place is not None:
        return show_results(turn, intent, place)
    return ask_place(turn, intent)


def service_meant(turn: Turn) -> str | None:
    """The service a place alone is about: a misspelt service word beside it ("clinc in
    siemreab"), a search under way, or the one the last answer led to."""
    if turn.cls.suggestion in SERVICE_TYPES:
        return str(turn.cls.suggestion)
    for pending in (turn.state.data.get("intent"), turn.state.data.get("then"),
                    turn.carry.get("service")):
        if isinstance(pending, str) and pending in SERVICE_TYPES:
            return pending
    return None


def on_location(turn: Turn) -> Reply:
    """A shared location (Telegram, WhatsApp): the nearest services of the pending kind, or
    the menu with the district remembered."""
    point = turn.inbound.location
    assert point is not None
    place = gps_place(turn, point)
    pending = service_meant(turn)
    if pending is not None:
        return show_results(turn, pending, place, gps=point)
    if place is None:
        return show_menu(turn)
    return place_first(turn, place)


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
        return turn.reply(Step.MENU, {"place": place.code} if place else turn.keep_place(), event)
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


def ranked_again(turn: Turn, intent: str, place: Place | None, ids: list[int]) -> list[Ranked]:
    """A result list kept by id, measured again from the place and judged at this moment."""
    by_id = {s.id: s for s in turn.directory.find(SERVICE_TYPES[intent])}
    origin = turn.points.point(place.code) if place else None
    return measure([by_id[i] for i in ids if i in by_id], turn.points, origin, turn.when)


def show_details(turn: Turn, number: int) -> Reply | None:
    """The whole entry of a listed service ("reply a number for details"); None if ``number``
    is not one of those listed."""
    listed = turn.shown()
    if listed is None or not 1 <= number <= listed[2]:
        return None
    intent, ids, offset = listed
    place = turn.remembered_place()
    ranked = ranked_again(turn, intent, place, [ids[number - 1]])
    if not ranked:
        return None
    item = ranked[0]
    turn.kind = "details"
    turn.say(_entry(turn, number, item, len(SERVICE_TYPES[intent]) > 1, item.distance_km))
    _pin(turn, item)
    turn.say(turn.texts.more_hint() if offset < len(ids) else turn.texts.no_more())
    return turn.reply(Step.RESULTS)


def on_more(turn: Turn) -> Reply:
    """MORE after a list: its next services, judged again now; the menu before any list."""
    listed = turn.shown()
    if listed is None:
        return show_menu(turn)
    intent, ids, offset = listed
    if offset >= len(ids):
        turn.kind = "no_more"
        turn.say(turn.texts.no_more())
        return turn.reply(Step.RESULTS)
    place = turn.remembered_place()
    ranked = ranked_again(turn, intent, place, ids)
    return _results_page(turn, intent, place, ranked, offset, None, None, ids)


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
