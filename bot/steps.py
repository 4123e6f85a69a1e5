"""What each step does with a message that no global reading took (``bot.state_machine``):
the menu and its choices, waiting for a place or a choice among places, the pages of an
answer, a question asked back ("did you mean ...?", "delete this chat?", "talk to a person?")
and the questions menu.
"""

from __future__ import annotations

from bot.answers import ANSWERS, advised, answer, answer_key
from bot.desk import human, open_handoff
from bot.notices import NEWS, news_more, on_news_place, want_news
from bot.place_choice import ask_place, ask_province, choose_place, find_namesakes, place_first
from bot.results import on_more, service_meant, show_details, show_results, want_service
from bot.turn import SERVICE_TYPES, Turn, forget, show_menu
from bot.types import Button, Reply, Step
from core.vocabulary import Intent, Outcome

#: After this many misunderstandings in a row the bot stops re-sending the whole menu.
MAX_MISUNDERSTOOD = 2
#: The main menu's numbers (``Texts.menu_items``): a search, an answer, or the questions menu.
MENU_CHOICES: dict[int, str] = {
    1: Intent.FIND_CLINIC,
    2: Intent.FIND_NEEDLE_EXCHANGE,
    3: Intent.FIND_METHADONE,
    4: "faq",
    5: Intent.FAMILY,
    6: Intent.EMERGENCY,
}
#: The questions menu's numbers (``Texts.faq_menu``): an answer, or asking for a person.
FAQ_CHOICES: dict[int, str] = {
    1: Intent.FAQ_COST,
    2: Intent.FAQ_PRIVACY,
    3: Intent.FAQ_VOLUNTARY,
    4: Intent.FAQ_METHADONE,
    5: "human",
}


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
    if cls.intent == Intent.LOCATION and cls.place is not None:
        wanted = service_meant(turn)
        if wanted is not None:
            return want_service(turn, wanted)
        if len(cls.places) > 1:
            return choose_place(turn, None, cls.places)
        return place_first(turn, cls.place)
    if asks_news(turn):
        return want_news(turn)
    key = answer_key(cls.intent, cls.topic)
    if key in SERVICE_TYPES or key in ANSWERS:
        return route(turn, key)
    if cls.suggestion in SERVICE_TYPES or cls.suggestion in ANSWERS:
        return suggest(turn, cls.suggestion)
    return misunderstood(turn)


def asks_news(turn: Turn) -> bool:
    """"Any news?", "is there a bad batch?" (``bot.notices``)."""
    return f"{turn.cls.intent}/{turn.cls.topic}" == NEWS


def route(turn: Turn, choice: str) -> Reply:
    """A menu choice, an intent or an answer's key: a search, the questions menu, or an answer."""
    if choice in SERVICE_TYPES:
        return want_service(turn, choice)
    if choice == "faq":
        turn.kind = "faq_menu"
        turn.say(turn.texts.faq_menu())
        return turn.reply(Step.FAQ_MENU, turn.keep_place())
    return answer(turn, choice)


def suggest(turn: Turn, intent: str) -> Reply:
    """"Did you mean ...?" for a near-miss spelling; YES goes on as if it had been said."""
    turn.kind = "did_you_mean"
    turn.say(turn.texts.did_you_mean(intent))
    return turn.reply(Step.CONFIRM, {"suggested": intent, **turn.keep_place()})


def misunderstood(turn: Turn) -> Reply:
    """The menu with a first line that fits (no apology for a greeting or emoji); after
    ``MAX_MISUNDERSTOOD`` in a row a short line instead, so the bot never loops."""
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
    return turn.reply(Step.MENU, {"misunderstood": count, **turn.keep_place()}, event)


def on_ask_place(turn: Turn) -> Reply:
    """Waiting for a place. A place, 0 (everywhere) or a shared location finds the services; a
    question is answered as one and the search goes on after it; anything else asks again,
    and never turns into a list for the whole country unasked."""
    cls = turn.cls
    intent = turn.state.data.get("intent")
    if intent == NEWS:  # "any news?" waits for its place
        return on_news_place(turn) or on_menu(turn)
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
    if asks_news(turn):
        return want_news(turn)
    key = answer_key(cls.intent, cls.topic)
    if key in ANSWERS and key == turn.state.data.get("advised"):
        # the same advice again ("find methadone for him near me" after it): it was given in
        # this search, which is what the person is doing; where, rather than all of it again
        return ask_place(turn, intent, advised(turn))
    if key in ANSWERS:
        return answer(turn, key, resume=intent)
    if cls.number is not None or cls.intent == Intent.MENU:
        return on_menu(turn)
    if cls.intent in SERVICE_TYPES:  # a service named again, or another one: where?
        return ask_place(turn, intent, advised(turn))
    attempts = int(turn.state.data.get("place_attempts", 0)) + 1
    turn.kind = f"ask_place/{intent}"
    turn.say(turn.texts.place_not_found())
    if turn.can.location_button:
        turn.buttons.append(Button(turn.texts.share_location(), request_location=True))
    return turn.reply(Step.ASK_PLACE,
                      {"intent": intent, "place_attempts": attempts, **advised(turn)})


def on_choose_place(turn: Turn) -> Reply:
    """Waiting for a choice among places (or, for a name many share, for a province)."""
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
    namesakes = find_namesakes(turn, [place] + ([other] if other is not None else []))
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


def on_pages(turn: Turn) -> Reply:
    """After a page of an answer: MORE reads on (or finds the nearest it offered); anything
    else goes back to the search under way, or is read as in the menu."""
    if news := news_more(turn):
        return news  # the next alerts of "any news?"
    key, page = turn.state.data.get("answer"), turn.state.data.get("page")
    then = turn.state.data.get("then")
    if turn.cls.more and key is None and isinstance(then, str) and then in SERVICE_TYPES:
        return show_results(turn, then, turn.remembered_place())  # "reply MORE for ... near X"
    if turn.cls.more and key in ANSWERS and isinstance(page, int) and page > 0:
        pending = turn.state.data.get("intent")
        resume = pending if isinstance(pending, str) and pending in SERVICE_TYPES else None
        return answer(turn, str(key), page, resume=resume)
    if turn.state.data.get("intent") in SERVICE_TYPES:
        return on_ask_place(turn)  # the search asked about before this answer
    return on_menu(turn)


def on_confirm(turn: Turn) -> Reply:
    """The answer to a question asked back: delete this chat? talk to a person? did you mean
    ...? YES does it; anything else is read as in the menu."""
    suggested = turn.state.data.get("suggested")
    if suggested == Intent.STOP and turn.cls.affirmative:
        return forget(turn)
    if suggested == "handoff" and turn.cls.affirmative and turn.desk is not None:
        return open_handoff(turn)
    if turn.cls.affirmative:
        if isinstance(suggested, str) and (suggested in SERVICE_TYPES or suggested in ANSWERS):
            return route(turn, suggested)
    return on_menu(turn)


def on_faq_menu(turn: Turn) -> Reply:
    """The questions menu: a number is its answer (5: a person); anything else as in the menu."""
    if turn.cls.number is not None:
        choice = FAQ_CHOICES.get(turn.cls.number)
        if choice is None:
            return misunderstood(turn)
        if choice == "human":
            return human(turn)
        return answer(turn, choice)
    return on_menu(turn)
