"""Safety: an emergency (overdose first aid, CPR, naloxone, a fit...) and a crisis (thoughts of
suicide), and every message read inside one (``docs/CONVERSATION.md``, ``docs/SAFETY.md``).

An emergency overrides everything and starts the emergency or crisis mode (``bot.context``);
for an hour after its last message what is said is read in its light: what changed, or what
to do next; never the same first page again, never "did not understand". The answers' texts
are in ``bot.safety_texts``, the pages in ``bot.answers``.
"""

from __future__ import annotations

from bot import context as ctx
from bot.answers import ANSWERS, FIRST_AID, answer, answer_key, told
from bot.context import CRISIS, EMERGENCY
from bot.listed import asks_about_listed
from bot.normalize import normalize
from bot.notices import offer_health
from bot.replies import Texts
from bot.turn import SERVICE_TYPES, Turn
from bot.types import Reply, Step
from core.vocabulary import Intent, Topic

#: Emergency topics that get their own advice inside an emergency; any other emergency reading
#: ("he still isn't breathing", "help") gets the hands-on steps.
OWN_ADVICE = frozenset({Topic.FIRST_AID, Topic.NALOXONE, Topic.SEIZURE, Topic.HEAT,
                        Topic.CHEST_PAIN, Topic.PSYCHOSIS, Topic.BREATHING, Topic.AMBULANCE})
#: Questions about police or privacy asked inside an emergency are about calling 119.
POLICE_TOPICS = frozenset({Topic.POLICE, Topic.POLICE_NOW, Topic.DATA, Topic.NUMBER,
                           Topic.SAFE_NOW})
#: The words that ask for the menu itself: in an emergency or a crisis only these show it ("help
#: me" there is a plea, not a request for the menu).
MENU_WORDS = frozenset({"menu", "main menu", "start", "/start", "ម៉ឺនុយ"})


def emergency(turn: Turn) -> Reply:
    """Overdose first aid by default; the crisis reply for thoughts of suicide; the answer
    asked for (CPR, naloxone, a fit, fear of calling 119...). The conversation enters the
    emergency or crisis mode, so that what follows is read in its light."""
    key = answer_key(Intent.EMERGENCY, turn.cls.topic)
    if key == Intent.EMERGENCY and "police" in turn.cls.signals:
        key = "emergency/ambulance"  # "he's not breathing, if I call 119 will police come?"
    if key == "emergency/crisis":
        # thoughts of suicide are the writer's own unless this message names someone else
        turn.texts = Texts(turn.locale, who=turn.said)
    turn.enter(CRISIS if key == "emergency/crisis" else EMERGENCY)
    for kept in ctx.MODE_KEYS:  # a new emergency or crisis starts afresh
        turn.carry.pop(kept, None)
    return answer(turn, key)


def _common(turn: Turn) -> bool:
    """Messages handled alike in every mode: an opt-out, a language, asking for a person, a
    menu number, the word MENU."""
    cls = turn.cls
    return (cls.intent in (Intent.STOP, Intent.SET_LANGUAGE) or cls.number is not None
            or (cls.intent == Intent.MENU and cls.topic == Topic.HUMAN)
            or normalize(turn.inbound.text) in MENU_WORDS)


def in_emergency(turn: Turn) -> Reply | None:
    """A message inside an emergency: what changed, or what to do next ("and next?", "he is
    jerking", "ok he breathes now", "if I call 119 the police come"). Never the same first page
    again, never "did not understand". None when the message is handled as anywhere else (a
    question is answered, and the mode goes on); a search for a service means the person has
    moved on, and the emergency mode ends."""
    cls = turn.cls
    if _common(turn):
        return None
    if cls.more:  # "and next?": the first aid goes on where it stopped, whatever came between
        aid = turn.carry.get("aid")
        if isinstance(aid, dict) and aid.get("key") in ANSWERS and isinstance(aid.get("page"), int):
            return answer(turn, str(aid["key"]), int(aid["page"]), counted=False)
        turn.kind = "emergency/next"  # every step has been read: what to do until help comes
        turn.enter(EMERGENCY)
        turn.say(turn.texts.stay())
        offer_health(turn)  # a health alert the first aid had no room for
        return turn.reply(Step.MENU, turn.keep_place())
    if cls.intent == Intent.EMERGENCY and cls.topic == Topic.CRISIS and cls.source == "lexicon":
        return None  # thoughts of suicide told in their words: the crisis reply
    if "police" in cls.signals or cls.intent == Intent.FAQ_PRIVACY and cls.topic in POLICE_TOPICS:
        return answer(turn, "emergency/ambulance", counted=False)  # 119 is for health
    if "money" in cls.signals or cls.intent == Intent.FAQ_COST:
        return answer(turn, "emergency/ambulance", counted=False)  # call anyway
    if "hospital" in cls.signals:
        return answer(turn, "emergency/hospital", counted=False)
    if "by_mouth" in cls.signals:
        return answer(turn, "emergency/by_mouth", counted=False)  # water, coffee, milk
    if "better" in cls.signals:
        return answer(turn, "emergency/breathing", counted=False)
    if "arrived" in cls.signals:
        return answer(turn, "emergency/arrived", counted=False)  # "the ambulance is here"
    if "vomit" in cls.signals:
        return answer(turn, "emergency/side", counted=False)
    if cls.intent == Intent.EMERGENCY or "worse" in cls.signals:
        # "he isn't breathing again", whatever else it was read as: the hands-on steps
        key = (f"emergency/{cls.topic}" if cls.intent == Intent.EMERGENCY
               and cls.topic in OWN_ADVICE else "emergency/first_aid")
        if key in told(turn) and key in FIRST_AID:
            key = "emergency/keep_going"  # the steps were given: keep going, never the same page
        return answer(turn, key, counted=False)
    if cls.intent == Intent.UNKNOWN and cls.topic == Topic.PROGRESS:
        return answer(turn, "emergency/breathing", counted=False)  # "he is ok now"
    if cls.intent == Intent.MENU:  # "help me", "please": a plea
        key = "emergency/keep_going" if "emergency/first_aid" in told(turn) else (
            "emergency/first_aid")
        return answer(turn, key, counted=False)
    if cls.intent == Intent.LOCATION:  # "we are in Takeo": where the ambulance comes, a hospital
        return answer(turn, "emergency/hospital", counted=False)
    if cls.intent == Intent.UNKNOWN or cls.affirmative or cls.suggestion is not None:
        return answer(turn, "emergency/stay", counted=False)  # "ok", "thanks", "I'm scared"
    if cls.intent in SERVICE_TYPES:
        turn.enter(None)  # a search: the emergency is behind them
    return None  # a question ("can I go home now?") is answered; the mode goes on


def in_crisis(turn: Turn) -> Reply | None:
    """A message inside a crisis: stay calm and present ("no one can do anything for me",
    "I feel so afraid") until the person clearly moves on, offering a person to talk to. None
    when the message is handled as anywhere else (a service, a question, an overdose)."""
    cls = turn.cls
    if _common(turn) or cls.more or asks_about_listed(turn):
        return None
    if cls.intent == Intent.EMERGENCY and cls.topic != Topic.CRISIS and cls.source == "lexicon":
        return None  # an overdose told in its words ("not breathing"): first aid
    if (cls.intent == Intent.UNKNOWN and cls.topic in (Topic.THANKS, Topic.PROGRESS)) or cls.affirmative:
        turn.kind = "thanks"
        turn.say(turn.texts.crisis_thanks())
        return turn.reply(Step.MENU, turn.keep_place())
    if cls.intent in (Intent.EMERGENCY, Intent.UNKNOWN, Intent.MENU) or cls.suggestion is not None:
        return crisis_followup(turn)  # "no", "I feel so afraid", "help me"
    return None


def crisis_followup(turn: Turn) -> Reply:
    """A calm reply inside a crisis, a person to talk to (an outreach worker here, or the
    operator's helpline), and the crisis mode renewed."""
    count = int(turn.carry.get("crisis_turns", 0) or 0)
    turn.kind = "crisis/followup"
    turn.say(turn.texts.crisis_followup(count))
    if turn.desk is not None:
        turn.say(turn.texts.crisis_person())
    elif turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    turn.enter(CRISIS)
    turn.carry["crisis_turns"] = count + 1
    return turn.reply(Step.MENU, {**turn.keep_place(), "then": Intent.FIND_CLINIC})
