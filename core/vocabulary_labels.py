"""What the shared words (``core/vocabulary.py``) are called: one table per concept.

Every label is a gettext msgid marked with ``N_``, translated where it is shown, in the
reader's language: the engine through ``Texts._``, the dashboard through Flask-Babel
(``gettext``, or ``lazy_gettext`` where a label is read at import), the ``flask demand``
commands not at all (they print English). Both read the same catalogs, so a word is
translated once.

Each table has a row for every member of its enum (``tests/test_vocabulary_labels.py``). A
row whose label is None is a word that surface never shows; the table says what is shown
instead.
"""

from __future__ import annotations

from core.catalogs import N_
from core.vocabulary import AlertKind, Intent, Outcome, ServiceType, Topic

#: A kind of service named inside a sentence or a line, in lower case: a result's flags
#: ("methadone · free · walk-in") and the demand report's rows.
SERVICE_TYPE_NAMES: dict[ServiceType, str] = {
    ServiceType.VOLUNTARY_TREATMENT: N_("voluntary treatment"),
    ServiceType.METHADONE: N_("methadone"),
    ServiceType.NEEDLE_EXCHANGE: N_("needle and syringe exchange"),
    ServiceType.DROP_IN: N_("drop-in centre"),
}
#: A kind of service standing alone, as a label: the dashboard's form choices, filters and
#: table cells. Worded apart from ``SERVICE_TYPE_NAMES``, not only capitalised: Khmer names the
#: exchange as a noun here ("ការផ្លាស់ប្តូរ...").
SERVICE_TYPE_LABELS: dict[ServiceType, str] = {
    ServiceType.VOLUNTARY_TREATMENT: N_("Voluntary treatment"),
    ServiceType.METHADONE: N_("Methadone"),
    ServiceType.NEEDLE_EXCHANGE: N_("Needle and syringe exchange"),
    ServiceType.DROP_IN: N_("Drop-in centre"),
}

#: How a request ended, as the dashboard's demand pages show it. None: not counted there (the
#: pages count searches and handoffs, not answers).
OUTCOMES: dict[Outcome, str | None] = {
    Outcome.SERVED_WITHIN_10KM: N_("within 10 km"),
    Outcome.SERVED_10_50KM: N_("10 to 50 km away"),
    Outcome.SERVED: N_("listed, distance not known"),
    Outcome.SERVED_FARTHER: N_("nearest open one over 50 km away"),
    Outcome.ONLY_FULL: N_("every service of the kind full"),
    Outcome.NO_SERVICE: N_("no service of the kind"),
    Outcome.HANDOFF_ASKED: N_("asked for an outreach worker"),
    Outcome.HANDOFF_ANSWERED: N_("a worker answered"),
    Outcome.HANDOFF_UNANSWERED: N_("no worker answered"),
    Outcome.ANSWERED: None,
    Outcome.EMERGENCY: None,
    Outcome.NOT_UNDERSTOOD: None,
}

#: What a texter had asked about before asking for a person (a handoff's topic), as an
#: outreach worker reads it: by intent. None: never what a texter asked about (the menu, a
#: language, an opt-out, a place alone, a message not understood).
INTENTS: dict[Intent, str | None] = {
    Intent.FIND_CLINIC: N_("voluntary treatment"),
    Intent.FIND_NEEDLE_EXCHANGE: N_("needles, syringes, drop-in"),
    Intent.FIND_METHADONE: N_("methadone"),
    Intent.FAQ_COST: N_("is it free?"),
    Intent.FAQ_PRIVACY: N_("privacy and police"),
    Intent.FAQ_VOLUNTARY: N_("is it voluntary?"),
    Intent.FAQ_METHADONE: N_("what is methadone?"),
    Intent.FAMILY: N_("help for family"),
    Intent.EMERGENCY: N_("an emergency"),
    Intent.MENU: None,
    Intent.SET_LANGUAGE: None,
    Intent.STOP: None,
    Intent.LOCATION: None,
    Intent.UNKNOWN: None,
}
#: The same, by topic, where the topic tells a worker more than its intent. None: read as its
#: intent ("faq_privacy/police" is "privacy and police").
TOPICS: dict[Topic, str | None] = {
    Topic.CRISIS: N_("a crisis"),
    Topic.RESTART: N_("going back to methadone"),
    Topic.STIMULANTS: N_("methadone and yama or ice"),
    Topic.INJECTING: N_("a relative who injects"),
    Topic.CRAVINGS: N_("cravings"),
    Topic.PROGRESS: N_("good news"),
    Topic.AFRAID: N_("fear"),
    Topic.NEWS: N_("news from the outreach team"),
    **dict.fromkeys(
        (Topic.OVERDOSE, Topic.FIRST_AID, Topic.NALOXONE, Topic.SEIZURE, Topic.HEAT,
         Topic.CHEST_PAIN, Topic.PSYCHOSIS, Topic.BREATHING, Topic.AMBULANCE,
         Topic.DATA, Topic.POLICE, Topic.POLICE_NOW, Topic.SAFE_NOW, Topic.DELETE, Topic.NUMBER,
         Topic.PAPERS, Topic.VOLUNTARY, Topic.CENTRE, Topic.BOOKING, Topic.COMPANION,
         Topic.HOSPITAL, Topic.METHADONE, Topic.FAMILY, Topic.CLINIC, Topic.MENU, Topic.HUMAN,
         Topic.OPEN_NOW, Topic.PHONE, Topic.DETAILS, Topic.STOP, Topic.UNSURE, Topic.UNKNOWN,
         Topic.THANKS),
    ),
}


def asked_about(value: str) -> str | None:
    """The label (msgid) of a handoff's topic: the key of the answer the texter was reading
    (``intent/topic``, an intent, or a topic answered on its own, such as ``cravings``) or
    the service sought. None when it names nothing with a label."""
    intent, _, topic = value.partition("/")
    own = TOPICS.get(topic or intent)  # "cravings" alone is a topic
    return own or INTENTS.get(intent)

#: A kind of alert as a label standing alone: the public alerts page, the CLI's list, the
#: Telegram channel's posts and, later, the dashboard's form.
ALERT_KINDS: dict[AlertKind, str] = {
    AlertKind.CLOSED: N_("Service closed"),
    AlertKind.MOVED: N_("Service moved"),
    AlertKind.REDUCED_HOURS: N_("Reduced hours"),
    AlertKind.OUT_OF_STOCK: N_("Out of stock"),
    AlertKind.CALL_FIRST: N_("Call before going"),
    AlertKind.HEALTH: N_("Health alert: drug supply"),
}
