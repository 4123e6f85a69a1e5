"""The conversation as an explicit state machine: the diagram, the readings that come before any
step, and the table of step handlers (``STEPS``).

```mermaid
stateDiagram-v2
    [*] --> START
    note right of START
        START, MENU and RESULTS share one handler (on_menu):
        every arrow out of MENU leaves START and RESULTS too.
        An arrow to RESULTS ends in MENU when no service of the kind is listed.
    end note
    START --> MENU: the first message
    MENU --> MENU: a place alone (kept), an answer of one page, not understood
    MENU --> ASK_PLACE: 1-3 or a service named, no place known / an answer that leads to one
    MENU --> RESULTS: 1-3 or a service, a place known or named with it / a place, a service sought
    MENU --> CHOOSE_PLACE: a place name that several places share about equally
    MENU --> FAQ_MENU: 4
    MENU --> PAGES: 5, 6, a question: an answer longer than a page, or one offering the nearest
    MENU --> CONFIRM: a near-miss spelling ("did you mean ...?")
    RESULTS --> RESULTS: MORE, a listed number for its details
    FAQ_MENU --> PAGES: 1-4, an answer longer than a page
    FAQ_MENU --> MENU: 1-4, an answer of one page / 5 where no worker takes handoffs / anything else
    FAQ_MENU --> CONFIRM: 5 where outreach workers take handoffs ("talk to a person?")
    ASK_PLACE --> RESULTS: a place, 0 for all, a shared location
    ASK_PLACE --> CHOOSE_PLACE: several places match about equally
    ASK_PLACE --> ASK_PLACE: place not found (never a national list unasked) / a one-page answer
    ASK_PLACE --> PAGES: a question: answered, then the search goes on
    ASK_PLACE --> MENU: a menu number, MENU (read as in MENU)
    CHOOSE_PLACE --> RESULTS: a number, in a search
    CHOOSE_PLACE --> ASK_PLACE: 0, none of these, in a search / anything else as ASK_PLACE
    CHOOSE_PLACE --> MENU: a number (the place kept) or 0, outside a search
    CHOOSE_PLACE --> CHOOSE_PLACE: a name many places share: which province? then its namesakes
    PAGES --> PAGES: MORE
    PAGES --> RESULTS: MORE after an answer that offered the nearest (the place is known)
    PAGES --> ASK_PLACE: the last page leads to a service, no place known / a search resumes
    PAGES --> MENU: the last page / anything else as MENU (in a search: as ASK_PLACE)
    CONFIRM --> [*]: YES to "delete this chat?"
    CONFIRM --> HANDOFF: YES to a handoff, while outreach workers are at work
    CONFIRM --> MENU: YES to a handoff out of hours (queued) or to a full queue / anything else
    CONFIRM --> ASK_PLACE: YES to "did you mean" a service (an answer: as MENU goes on)
    HANDOFF --> HANDOFF: anything, relayed to the worker / an emergency also answered (flagged)
    HANDOFF --> [*]: a clear STOP: the chat ends and is deleted
    HANDOFF --> START: the worker closed the chat, or it expired (before the turn)
    ANY --> HANDOFF: a worker wrote to a chat asked for out of hours (before the turn)
    ANY --> [*]: a clear opt-out (STOP, ឈប់, "delete my data"), a provider's STOP word
    ANY --> CONFIRM: maybe an opt-out ("leave me alone", "stpo") / asking for a person
    ANY --> PAGES: an emergency (first aid, a crisis / paged on SMS, six segments a page)
    ANY --> MENU: an emergency answered in one page (Telegram)
    ANY --> MENU: MENU, a language, 0 (not in ASK_PLACE, CHOOSE_PLACE), "where can I go?"
    ANY --> RESULTS: about the services listed ("open now?", "their number", "the first one")
    ANY --> ANY: thanks, "ok", a photo or a sticker: the step stays
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
    EMERGENCY_MODE --> PAGES: first aid longer than a page
    EMERGENCY_MODE --> MENU: a page of advice
    CRISIS_MODE --> MENU: a calm reply, a person to talk to
    note right of ANY: every step but HANDOFF, before its handler
```

``ANY`` stands for every step but HANDOFF: what a texter writes while talking with an outreach
worker goes to the worker (``bot.desk.in_handoff``), and only a STOP or an emergency is
answered. Elsewhere a shared location finds the services sought (``bot.results.on_location``),
and these readings come before the step's handler, in this order (``handle_global``): a message
inside an emergency or a crisis (``bot.safety``, ``docs/CONVERSATION.md``: read in its light,
never "did not understand"), an emergency (overrides everything: overdose first aid, a crisis,
CPR or naloxone; it starts the emergency or crisis mode), an opt-out (a clear one forgets the
conversation at once; one that may not be meant is asked about first, and a provider's STOP
word on SMS always forgets), a language name, asking for a person (``bot.desk``), a question
about the services listed (``bot.listed``), menu/help, 0, thanks, fear said while a chat waits
for a worker, "where can I go?", and "the first one". Then the handler for the current step
decides (``bot.steps``). Every reply ends with one clear next step, and repeated
misunderstandings stop re-sending the menu so the bot never loops. The two arrows marked
"before the turn" are the caller's: it knows whether a worker has written or closed the chat.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import days, references
from bot.context import CRISIS, EMERGENCY
from bot.desk import human, in_handoff
from bot.listed import LISTED_TOPICS, about_listed, open_now
from bot.normalize import normalize
from bot.results import on_location, show_details
from bot.safety import emergency, in_crisis, in_emergency
from bot.steps import on_ask_place, on_choose_place, on_confirm, on_faq_menu, on_menu, on_pages
from bot.turn import Turn, forget, show_menu
from bot.types import Reply, Step
from core.vocabulary import Intent, Topic


def handle_global(turn: Turn) -> Reply | None:
    """The readings that come before any step's handler, in their order (above); None when
    none applies and the step decides."""
    cls = turn.cls
    intent = cls.intent
    if turn.inbound.provider_opted_out:  # the SMS provider has already blocked the sender
        return forget(turn)
    if turn.mode == EMERGENCY and (reply := in_emergency(turn)):
        return reply
    if turn.mode == CRISIS and (reply := in_crisis(turn)):
        return reply
    if intent == Intent.EMERGENCY:
        return emergency(turn)
    if intent == Intent.STOP:
        if cls.definite:
            return forget(turn)
        turn.kind = "confirm_stop"
        turn.say(turn.texts.confirm_stop())  # "leave me alone", "stpo": ask before deleting
        return turn.reply(Step.CONFIRM, {"suggested": Intent.STOP, **turn.keep_place()})
    if intent == Intent.SET_LANGUAGE:
        turn.kind = "language"
        turn.say(turn.texts.menu(turn.texts.language_set()))
        return turn.reply(Step.MENU)  # the choice settles the language (``bot.reply_locale``)
    if intent == Intent.MENU and cls.topic == Topic.HUMAN:
        return human(turn)
    if intent in (Intent.MENU, Intent.UNKNOWN) and cls.number is None and turn.shown() and (
        days.asked(normalize(turn.inbound.text), turn.when.at.date()).about_days
    ):
        return open_now(turn)  # "what about tomorrow?" after a list
    if intent == Intent.MENU and cls.number is None and cls.topic in LISTED_TOPICS:
        return about_listed(turn)
    if intent == Intent.MENU and cls.number is None:
        return show_menu(turn)
    if cls.number == 0 and turn.state.step not in (Step.ASK_PLACE, Step.CHOOSE_PLACE):
        return show_menu(turn)
    if _thanked(turn):
        return thanks(turn)
    if intent == Intent.UNKNOWN and cls.topic == Topic.AFRAID and turn.state.data.get("handoff"):
        turn.kind = "afraid"  # waiting for an outreach worker, out of hours
        turn.say(turn.texts.afraid_waiting())
        return turn.reply(turn.state.step, dict(turn.state.data))
    if intent == Intent.UNKNOWN and "where" in cls.signals and not cls.places:
        return show_menu(turn)  # "where can I go?": what there is, and where it is
    if (listed := turn.shown()) and intent == Intent.UNKNOWN and cls.number is None and (
        position := references.position(normalize(turn.inbound.text), listed[2])
    ):
        return show_details(turn, position) or None  # "the first one"
    return None


def _thanked(turn: Turn) -> bool:
    """Thanks, or a plain "ok" where no question was asked."""
    cls = turn.cls
    if cls.intent == Intent.UNKNOWN and cls.topic == Topic.THANKS and cls.number is None:
        return True
    return cls.affirmative and turn.state.step in (Step.START, Step.MENU, Step.RESULTS,
                                                   Step.PAGES)


def thanks(turn: Turn) -> Reply:
    """A warm line; the conversation stays where it was (a search goes on)."""
    turn.kind = "thanks"
    turn.say(turn.texts.thanks())
    return turn.reply(turn.state.step, dict(turn.state.data))


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
    """The reply to one message: a handoff's, a shared location's, a global reading's, or the
    current step's."""
    if turn.state.step is Step.HANDOFF:
        return in_handoff(turn)  # a person reads this now: only STOP and emergencies are ours
    if turn.inbound.location is not None and not turn.inbound.text.strip():
        return on_location(turn)
    if turn.inbound.unsupported:
        turn.kind = "text_only"
        turn.say(turn.texts.text_only())
        return turn.reply(turn.state.step, dict(turn.state.data))
    return handle_global(turn) or STEPS[turn.state.step](turn)
