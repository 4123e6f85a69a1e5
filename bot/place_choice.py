"""Finding services, first part: asking where, and choosing among places that share a name.

A search needs a place (or a shared location, or 0 for all of Cambodia). Where several places
match about equally the bot asks, numbered, rather than guess (``choose_place``); a name more
places share than a list can hold asks for the province first (``ask_province``). What is
found there is ``bot.results``.
"""

from __future__ import annotations

from bot.placenames import strip_level_word
from bot.places import MAX_CHOICES, Place
from bot.segments import fits_sms
from bot.turn import Turn
from bot.types import Button, Reply, Step
from core.geo import GeoPoint
from core.place_codes import LEVELS

#: Communes and villages: people say one name for either (a commune is most often named after
#: a village in it), so namesakes are offered, and narrowed by province, across the two.
LOCAL = ("commune", "village")


def ask_place(turn: Turn, intent: str, data: dict[str, object] | None = None) -> Reply:
    """"Which province or town?" for a search (``intent``), with a button that shares the
    location where the channel has one."""
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
        namesakes = find_namesakes(turn, options)
        if len(namesakes) > MAX_CHOICES:
            return ask_province(turn, intent, first, namesakes)
    turn.kind = "choose_place"
    options, text = _place_list(turn, options)
    turn.say(text)
    data: dict[str, object] = {"choices": [p.code for p in options]}
    if intent is not None:
        data["intent"] = intent
    return turn.reply(Step.CHOOSE_PLACE, data)


def find_namesakes(turn: Turn, options: list[Place]) -> list[Place]:
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


def place_first(turn: Turn, place: Place) -> Reply:
    """A place with nothing else (a name, or a shared location): keep it and ask what is
    needed; the menu's 1-3 then find that service there at once."""
    turn.kind = "menu/place"
    lead = turn.texts.place_noted(place.name(turn.locale))
    turn.say(turn.texts.menu(lead))
    return turn.reply(Step.MENU, {"place": place.code})


def gps_place(turn: Turn, point: GeoPoint) -> Place | None:
    """Coarsen a shared location to its district (the only form that is kept)."""
    code = turn.points.nearest_district(point)
    return turn.places.get(code) if code else None
