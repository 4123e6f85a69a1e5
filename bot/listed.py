"""Questions about the services just listed: are they open (now, on a day asked about), what
is their number, "the first one", "where is it?".

The services are judged again at this moment, from the ids the list kept (``Turn.shown``).
"""

from __future__ import annotations

from bot import days, references
from bot.normalize import normalize
from bot.place_choice import ask_place
from bot.ranking import Ranked, parsed_hours
from bot.results import ranked_again, show_details
from bot.segments import fits_sms
from bot.turn import SERVICE_TYPES, Turn
from bot.types import Reply, Step
from core import hours
from core.vocabulary import Intent, Topic

#: The menu's topics that ask about the services listed: "are they open?", "their number",
#: "where is it?".
LISTED_TOPICS = (Topic.OPEN_NOW, Topic.PHONE, Topic.DETAILS)


def asks_about_listed(turn: Turn) -> bool:
    """A question about the places just listed ("their number", "the first one")."""
    listed = turn.shown()
    if listed is None:
        return False
    cls = turn.cls
    return (cls.intent == Intent.MENU and cls.topic in LISTED_TOPICS) or (
        references.position(normalize(turn.inbound.text), listed[2]) is not None)


def about_listed(turn: Turn) -> Reply:
    """A question about the places just listed: are they open (now, on a day), what is their
    number, "the first one", "where is it?"."""
    topic, listed = turn.cls.topic, turn.shown()
    if topic == Topic.OPEN_NOW:
        return open_now(turn)
    if listed is None:
        turn.kind = "menu"
        say = turn.texts.phone_which() if topic == Topic.PHONE else turn.texts.menu_lead()
        turn.say(turn.texts.menu(say))
        return turn.reply(Step.MENU, turn.keep_place())
    if topic == Topic.PHONE:
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
    return ranked_again(turn, intent, turn.remembered_place(), ids[:offset])


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
    listed = turn.shown()
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
        return ask_place(turn, pending, turn.keep_place())
    turn.say(turn.texts.menu(turn.texts.open_which()))
    return turn.reply(Step.MENU, turn.keep_place())


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
