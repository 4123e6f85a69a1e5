"""Answers: questions (FAQ topics), family advice, first aid, and what each leads to.

An answer is one or more pages of ``Texts`` (SMS and WhatsApp show one page at a time, "reply
MORE"; Telegram all at once), keyed by intent, or by ``intent/topic`` where the topic asked for
has an answer of its own. Some end by finding a service (``THEN_FIND``), or send a place given
afterwards to one (``ANSWER_LEADS_TO``). What is read inside an emergency or a crisis, and
which answer it gets, is ``bot.safety``.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import EMERGENCY
from bot.notices import news_for, offer_health
from bot.replies import Texts
from bot.results import show_results
from bot.segments import budget_for, chunk_blocks
from bot.turn import Turn
from bot.types import Reply, Step
from core.vocabulary import Intent, Outcome

#: Answers as pages; SMS shows one page at a time ("reply MORE"), Telegram all at once. Keyed by
#: intent, or by ``intent/topic`` where the topic asked for has an answer of its own.
ANSWERS: dict[str, Callable[[Texts], tuple[str, ...]]] = {
    Intent.EMERGENCY: Texts.emergency,
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
    Intent.FAQ_COST: Texts.faq_cost,
    # The questions menu asks "Is it private? Will police know?": both answers.
    Intent.FAQ_PRIVACY: lambda texts: (texts.not_police(), *texts.faq_privacy()),
    "faq_privacy/data": Texts.faq_privacy,
    "faq_privacy/police": Texts.faq_police,
    "faq_privacy/police_now": Texts.police_now,
    "faq_privacy/safe_now": Texts.safe_now,
    "faq_privacy/delete": Texts.faq_delete,
    "faq_privacy/number": Texts.faq_number,
    "faq_privacy/papers": Texts.faq_papers,
    Intent.FAQ_VOLUNTARY: Texts.faq_voluntary,
    "faq_voluntary/centre": Texts.faq_centre,
    "faq_voluntary/booking": Texts.faq_booking,
    "faq_voluntary/companion": Texts.faq_companion,
    "faq_voluntary/hospital": Texts.faq_hospital,
    Intent.FAQ_METHADONE: Texts.faq_methadone,
    "faq_methadone/restart": Texts.faq_restart,
    "faq_methadone/stimulants": Texts.faq_stimulants,
    Intent.FAMILY: Texts.family,
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
    Intent.EMERGENCY: "emergency/overdose",
    "emergency/side": "emergency/first_aid",
    "emergency/arrived": "emergency/stay",
    "emergency/hospital": "emergency/ambulance",
    "emergency/by_mouth": "emergency/first_aid",
    "emergency/keep_going": "emergency/first_aid",
    Intent.FAQ_VOLUNTARY: "faq_voluntary/voluntary",
    Intent.FAQ_METHADONE: "faq_methadone/methadone",
    Intent.FAMILY: "family/family",
}
#: These answers end by finding a service: where a place is known, its nearest (MORE on SMS
#: and WhatsApp, at once on Telegram); else the bot asks where and waits for a place.
THEN_FIND = {
    Intent.FAMILY: Intent.FIND_CLINIC,
    "family/injecting": Intent.FIND_METHADONE,
    "faq_methadone/restart": Intent.FIND_METHADONE,
    "cravings": Intent.FIND_CLINIC,
}
#: The service an answer leads to: a place sent after it finds that service (the answers end
#: with "reply 1 / 3 to find one").
ANSWER_LEADS_TO = {
    Intent.FAQ_COST: Intent.FIND_CLINIC,
    Intent.FAQ_PRIVACY: Intent.FIND_CLINIC,
    "faq_privacy/police": Intent.FIND_CLINIC,
    "faq_privacy/safe_now": Intent.FIND_METHADONE,
    Intent.FAQ_VOLUNTARY: Intent.FIND_CLINIC,
    "faq_voluntary/centre": Intent.FIND_CLINIC,
    Intent.FAQ_METHADONE: Intent.FIND_METHADONE,
    "faq_methadone/stimulants": Intent.FIND_CLINIC,
    "emergency/crisis": Intent.FIND_CLINIC,
    "emergency/naloxone": Intent.FIND_METHADONE,
    "faq_privacy/papers": Intent.FIND_CLINIC,
    "faq_voluntary/companion": Intent.FIND_CLINIC,
    "faq_voluntary/hospital": Intent.FIND_CLINIC,
    "progress": Intent.FIND_CLINIC,
}
#: Advice for a relative: given once in a search, the same advice is not repeated while the bot
#: waits for the place ("find methadone for him near me" after the advice that ended "to find
#: methadone, send your province" asks where again; ``bot.steps.on_ask_place``).
ADVICE = frozenset({Intent.FAMILY, "family/injecting"})
#: The first-aid answers that "and next?" reads on through, inside an emergency.
FIRST_AID = frozenset({Intent.EMERGENCY, "emergency/first_aid"})


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
    if key == "faq_privacy/safe_now" and (place := turn.cls.place or turn.remembered_place()):
        # what the outreach team has posted there comes first; where it has posted nothing,
        # that is said honestly, with the general advice, before what is always true
        name = place.name(turn.locale)
        if news := news_for(turn, place):
            blocks[:0] = [f"{turn.texts.news_heading(name)}\n{news[0]}", *news[1:]]
        else:
            blocks[:0] = [f"{turn.texts.nothing_posted(name)}\n{turn.texts.general_advice()}"]
    if key == "emergency/crisis" and turn.directory.helpline:
        blocks.insert(1, turn.texts.talk_to_person(turn.directory.helpline))
    wanted = resume or THEN_FIND.get(key)
    if wanted is not None:
        place = turn.remembered_place() if resume is None else None
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
        "emergency/next" if key.startswith(Intent.EMERGENCY) else kind_of(key))
    if key.startswith("emergency/") or key == Intent.EMERGENCY:
        if turn.mode == EMERGENCY:
            turn.enter(EMERGENCY)  # renewed by every message about it
    pages = answer_pages(turn, key, resume)
    intent = key.partition("/")[0]
    event = None
    if page == 0 and counted and key not in NOT_DEMAND:
        event = turn.event(EVENT_INTENT.get(key, intent),
                           Outcome.EMERGENCY if intent == Intent.EMERGENCY else Outcome.ANSWERED)
    page = min(page, len(pages) - 1)
    wanted, place = THEN_FIND.get(key), turn.remembered_place()
    if resume is None and wanted and place and pages[page] == [
        turn.texts.then_results(wanted, place.name(turn.locale))
    ]:
        return show_results(turn, wanted, place)  # MORE read on to "MORE for ... near X"
    turn.say(*pages[page])
    if key.startswith(Intent.EMERGENCY) and key != "emergency/crisis":
        # a health alert for the province, once, after the first aid (the next page's if
        # this one has no room for it)
        offer_health(turn, [turn.texts.more_pages()] if page + 1 < len(pages) else [])
    if turn.mode == EMERGENCY and key.startswith(Intent.EMERGENCY):
        turn.carry["told"] = sorted({*told(turn), key})  # what this emergency has been told
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
        data = {"answer": key, "page": page + 1, **turn.keep_place(), **pending}
        if leads is not None and resume is None:
            data["then"] = leads  # a place sent before the last page finds it too
        return turn.reply(Step.PAGES, data, event)
    if resume is not None:
        return turn.reply(Step.ASK_PLACE, {**pending, **turn.keep_place(), **advised(turn, key)},
                          event)
    if wanted is not None:
        if place is None:
            return turn.reply(Step.ASK_PLACE, {"intent": wanted, **advised(turn, key)}, event)
        if not turn.paged:  # Telegram: the nearest follow in the same message
            return show_results(turn, wanted, place)
        return turn.reply(Step.PAGES, {"then": wanted, "place": place.code}, event)
    leads_to = {"then": ANSWER_LEADS_TO[key]} if key in ANSWER_LEADS_TO else {}
    return turn.reply(Step.MENU, {**turn.keep_place(), **leads_to}, event)


def advised(turn: Turn, key: str | None = None) -> dict[str, str]:
    """The relative's advice given in the search under way (``ADVICE``): the answer just given
    (``key``) if it is one, else what the step waiting for the place remembered."""
    given = key if key in ADVICE else turn.state.data.get("advised")
    return {"advised": given} if isinstance(given, str) and given in ADVICE else {}


def told(turn: Turn) -> list[str]:
    """The emergency answers given since the emergency began."""
    told = turn.carry.get("told")
    return [k for k in told if isinstance(k, str)] if isinstance(told, list) else []
