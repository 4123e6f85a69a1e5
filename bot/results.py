"""Finding services, second part: the services found near a place, ranked by what the person
can reach now (``bot.ranking``), a page at a time ("reply MORE"), and one service's details.

A shared GPS point is used here only, in memory: the state and the demand event keep at most
its district. Questions about the services once listed ("their number", "are they open?") are
``bot.listed``.
"""

from __future__ import annotations

from datetime import timedelta

from bot.notices import NEWS, in_force, line, of_place, of_service, open_only, tell_news
from bot.place_choice import ask_place, choose_place, describe_place, gps_place, place_first
from bot.places import Place
from bot.ranking import Ranked, measure, rank_first
from bot.reach import REACH_KM
from bot.segments import fits_sms
from bot.turn import SERVICE_TYPES, Turn, show_menu
from bot.types import Reply, Step, Venue
from core.alert_info import AlertInfo
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
    if turn.state.data.get("intent") == NEWS:
        return tell_news(turn, place)
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
        open_only(turn, turn.directory.find(types)),  # not those an alert says are closed
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
    heading = _heading(turn, intent, place, ranking.nearest_open_km, gps is not None)
    ids = [item.service.id for item in ranking.first]
    return _results_page(turn, intent, place, ranking.first, 0, gps, event, ids, heading)


def _results_page(
    turn: Turn,
    intent: str,
    place: Place | None,
    ranked: list[Ranked],
    offset: int,
    gps: GeoPoint | None,
    event: DemandEvent | None,
    ids: list[int],
    heading: str | None = None,
) -> Reply:
    """Services from ``offset``: on SMS compact numbered lines, as many as fit the budget with
    the heading and the next step; elsewhere ``PAGE_SIZE`` whole entries. What was shown is
    kept (``shown``), so that "their number" or "the first one" can refer to it later.
    ``heading``: the list's plain heading, just said, which an alert may take the place of on
    SMS (the first page only)."""
    turn.kind = f"results/{intent}"
    mixed = len(SERVICE_TYPES[intent]) > 1
    alerts = in_force(turn)
    if offset == 0 and ranked:  # the place's alerts head the list, before any extra service
        _place_alerts(turn, place, alerts, ranked[0], len(ranked) > 1, heading)
    shown = 0
    for number, item in enumerate(ranked[offset:], start=offset + 1):
        if turn.compact:
            text = turn.texts.service_line(number, item.service, item.distance_km, item.status)
            hint = turn.texts.details_hint(more=number < len(ranked))
            if shown and not fits_sms("\n".join([*turn.messages, text, hint, *turn.tail])):
                break
            notes = _service_alerts(turn, item, alerts, [text], [hint])
            if shown and len(notes) < len(of_service(alerts, item.service)):
                break  # a service goes with its alerts, or to the next page
            stored = turn.texts.service_line(number, item.service, None, item.status)
            text, stored = "\n".join([text, *notes]), "\n".join([stored, *notes])
        else:
            if shown == PAGE_SIZE:
                break
            text = _entry(turn, number, item, mixed, item.distance_km)
            stored = _entry(turn, number, item, mixed, None)
        if gps is not None and item.distance_km is not None:
            turn.say_unstored(text, stored)
        else:
            turn.say(text)
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
    """A whole entry (name, address, hours, phone, flags) with its number and status now, and
    the service's own alerts ("Service moved: ...")."""
    area = _area(turn, item.service.district_code or item.service.province_code)
    stale_before = (turn.now - timedelta(days=STALE_AFTER_DAYS)).date()
    entry = turn.texts.service(item.service, distance, show_type=mixed, area=area,
                               stale_before=stale_before)
    notes = [turn.texts.alert_line(a) for a in of_service(in_force(turn), item.service)]
    return "\n".join([f"{turn.texts.number(number)}. {entry}", turn.texts.status(item.status),
                      *notes])


def _place_alerts(turn: Turn, place: Place | None, alerts: list[AlertInfo], first: Ranked,
                  more: bool, heading: str | None) -> None:
    """One line per alert for the place as a whole, health alerts first. On SMS each must fit
    with the first service (and its own alerts) and the next step: an alert comes before an
    extra service, which MORE then shows, and before the list's plain heading (``heading``,
    "Methadone near Battambang:", dropped when that makes room: Khmer fits 201 characters in
    three parts); one that cannot fit even so is left out ("any news?" gives them all)."""
    if turn.compact:
        text = turn.texts.service_line(1, first.service, first.distance_km, first.status)
        hint = turn.texts.details_hint(more=more)
        around = [text, *[a.text(turn.locale) for a in of_service(alerts, first.service)],
                  hint]
    else:
        around = []
    at = len(turn.messages) - 1
    droppable = (turn.compact and heading is not None and at >= 0
                 and turn.messages[at] == heading and turn.record is None)
    for alert in of_place(alerts, place):
        said = line(turn, alert, around)
        if said is None and droppable:
            del turn.messages[at]  # safety before the heading
            droppable = False
            said = line(turn, alert, around)
        if said is not None:
            turn.say(said)


def _service_alerts(turn: Turn, item: Ranked, alerts: list[AlertInfo], before: list[str],
                    after: list[str]) -> list[str]:
    """A listed service's own alerts as lines that fit the SMS budget with it (``before``) and
    the next step (``after``)."""
    notes: list[str] = []
    for alert in of_service(alerts, item.service):
        said = line(turn, alert, [*before, *notes, *after])
        if said is None:
            break
        notes.append(said)
    return notes


def ranked_again(turn: Turn, intent: str, place: Place | None, ids: list[int]) -> list[Ranked]:
    """A result list kept by id, measured again from the place and judged at this moment."""
    by_id = {s.id: s for s in open_only(turn, turn.directory.find(SERVICE_TYPES[intent]))}
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
             ) -> str | None:
    """``nearest``: the distance to the nearest service with room, of all those ranked. The
    heading said when it is the plain one ("Methadone near Battambang:"), which an alert may
    replace on SMS; None when it says more (none within reach)."""
    if place is None and not gps:
        heading = turn.texts.results_heading(intent, None)
        turn.say(heading)
        return heading
    name = turn.texts.near_you() if gps or place is None else place.name(turn.locale)
    if nearest is not None and nearest > REACH_KM:
        turn.say(turn.texts.none_within_reach(name, int(REACH_KM)))
        if turn.directory.helpline:  # said after the list, where the budget is kept for it
            turn.tail.append(turn.texts.helpline(turn.directory.helpline))
        return None
    heading = turn.texts.results_heading(intent, name)
    turn.say(heading)
    return heading


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
