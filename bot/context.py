"""What a conversation is in beyond its step: an emergency or a crisis (a *mode* with a short
expiry), who is asking, and the services shown. ``docs/CONVERSATION.md`` describes each key.

All of it lives in ``State.data`` (JSON), expires with the conversation and is deleted on STOP.
Times are kept to the minute, as everything else the bot stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.types import State, Step

EMERGENCY = "emergency"
CRISIS = "crisis"
MODES = (EMERGENCY, CRISIS)
#: What a mode keeps while it lasts: how many follow-ups a crisis has had, where the first aid
#: stopped ("and next?" reads on from there) and which emergency answers were given.
MODE_KEYS = ("crisis_turns", "aid", "told")
#: A mode lasts this long after the last message that kept it: long enough for an ambulance
#: to come or a night to pass, short enough that tomorrow's question is read afresh.
MODE_MINUTES = 60
#: Who is asking, as the person said it: about their own use, for a relative, or as an
#: outreach worker for someone they work with.
WHO = ("self", "relative", "worker")
#: The most health alerts a conversation remembers having been offered (``bot.notices``):
#: their ids only, the same for every texter.
MAX_ALERTED = 20


def stamp(moment: datetime) -> str:
    """A moment to the minute, in UTC ("2026-03-16T02:00")."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{utc:%Y-%m-%dT%H:%M}"


def _read(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError:
        return None


def active_mode(data: Mapping[str, Any], now: datetime) -> str | None:
    """The mode the conversation is in at ``now`` (None once it has expired)."""
    mode, until = data.get("mode"), _read(data.get("mode_until"))
    if mode not in MODES or until is None:
        return None
    moment = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    return str(mode) if moment <= until else None


def entering(mode: str, now: datetime) -> dict[str, str]:
    """The state keys of a mode that starts (or goes on) at ``now``."""
    return {"mode": mode, "mode_until": stamp(now + timedelta(minutes=MODE_MINUTES))}


def classifier_context(state: State, now: datetime) -> str:
    """What the conversation is in, as the classifier reads it (``bot.intents.CONTEXTS``)."""
    if state.step is Step.RESULTS:
        return "results"  # a list was just shown: "the first one" is about it, in any mode
    mode = active_mode(state.data, now)
    if mode is not None:
        return mode
    if state.step is Step.HANDOFF or state.data.get("handoff"):
        return "handoff"
    return ""


def carried(data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """What a reply keeps of the conversation whatever its step: who is asking, a mode that
    has not expired (with how many follow-ups a crisis has had), the services shown, the
    service sought, the place and the ids of the health alerts already offered."""
    kept = {key: data[key] for key in ("who", "shown", "service", "place", "alerted")
            if key in data}
    if kept.get("who") not in WHO:
        kept.pop("who", None)
    alerted = kept.get("alerted")
    if not (isinstance(alerted, list) and len(alerted) <= MAX_ALERTED
            and all(type(i) is int for i in alerted)):
        kept.pop("alerted", None)  # ids of alerts, and only a few: nothing else is kept
    if active_mode(data, now) is not None:
        kept["mode"], kept["mode_until"] = data["mode"], data["mode_until"]
        kept.update({key: data[key] for key in MODE_KEYS if key in data})
    return kept
