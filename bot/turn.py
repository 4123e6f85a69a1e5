"""One message's turn through the conversation: what every flow is given and writes its reply
to (``Turn``), and the two replies any step may fall back to (the menu, the opt-out).

A ``Turn`` holds the message's classification, the texts in the reply's language, what the
channel can do, and what the conversation keeps from one message to the next (``carry``:
``bot.context``). The flows (``bot.place_choice``, ``bot.results``, ``bot.listed``,
``bot.answers``, ``bot.safety``, ``bot.desk``) say their lines on it; ``Turn.reply`` packs them
for the channel and sets the next state. ``bot.state_machine`` chooses the flow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot import context as ctx
from bot import holiday
from bot.intents import Classification
from bot.places import Place, PlaceResolver
from bot.replies import Texts
from bot.segments import budget_for, fits_sms, pack_for_sms
from bot.types import Button, Desk, Inbound, OutMessage, Reply, State, Step, Venue
from core import hours
from core.directory import Directory
from core.geo import ReferencePoints
from core.vocabulary import CAMBODIA, Capabilities, DemandEvent, Intent, Locale, ServiceType

#: The services each search finds (the menu's 1-3): a search is named by its intent.
SERVICE_TYPES: dict[str, tuple[ServiceType, ...]] = {
    Intent.FIND_CLINIC: (ServiceType.VOLUNTARY_TREATMENT,),
    Intent.FIND_NEEDLE_EXCHANGE: (ServiceType.NEEDLE_EXCHANGE, ServiceType.DROP_IN),
    Intent.FIND_METHADONE: (ServiceType.METHADONE,),
}


@dataclass
class Turn:
    """Everything one step handler needs; handlers return a ``Reply``."""

    inbound: Inbound
    state: State
    cls: Classification
    texts: Texts
    directory: Directory
    places: PlaceResolver
    points: ReferencePoints
    now: datetime
    #: What the channel can show and do.
    can: Capabilities
    #: Outreach workers who can take a handoff through this channel (None: no one can).
    desk: Desk | None = None
    #: The conversation's language is settled (``bot.reply_locale``): kept in the next state.
    locale_settled: bool = False
    messages: list[str] = field(default_factory=list)
    #: The storable version of ``messages`` once any block differs (GPS distances left out).
    record: list[str] | None = None
    #: Lines that end the reply, after the next step (the budget is kept for them).
    tail: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    #: What the reply does (``docs/CONVERSATION.md``), set by the action that answers.
    kind: str = ""
    #: Who this message itself says is asking (``bot.who``), before the conversation's reading.
    said: str | None = None
    #: What every reply keeps of the conversation whatever its step (``bot.context.carried``):
    #: who is asking, a mode, the services shown, the service sought. Actions change it.
    carry: dict[str, object] = field(default_factory=dict)

    @property
    def locale(self) -> Locale:
        return self.texts.locale

    @property
    def mode(self) -> str | None:
        """``emergency`` or ``crisis`` while the conversation is in one (``bot.context``)."""
        mode = self.carry.get("mode")
        return mode if isinstance(mode, str) else None

    def enter(self, mode: str | None) -> None:
        """Start or renew a mode (its short expiry counts from now), or leave it (None)."""
        self.carry.pop("mode", None)
        self.carry.pop("mode_until", None)
        if mode is not None:
            self.carry.update(ctx.entering(mode, self.now))

    @property
    def budget(self) -> int:
        """SMS segments this reply may use: emergencies and crises may use more."""
        return budget_for(self.kind)

    @property
    def compact(self) -> bool:
        """Plain SMS: every reply to one message fits one segment budget (``bot.segments``)."""
        return self.can.sms_budget

    @property
    def paged(self) -> bool:
        """Long answers come a page at a time (SMS, WhatsApp); Telegram gets them whole."""
        return self.can.paged

    @property
    def when(self) -> hours.Moment:
        """Cambodia's local date and time now, with its public holidays (named in the reply's
        language), to judge opening hours."""
        local = self.now.astimezone(CAMBODIA) if self.now.tzinfo else self.now
        return hours.Moment(local, holiday.lookup(self.locale))

    def say(self, *texts: str) -> None:
        self.messages.extend(texts)
        if self.record is not None:
            self.record.extend(texts)

    def say_unstored(self, live: str, stored: str) -> None:
        """Send ``live`` but keep only ``stored`` for redeliveries."""
        if self.record is None:
            self.record = list(self.messages)
        self.messages.append(live)
        self.record.append(stored)

    def reply(
        self, step: Step, data: dict[str, object] | None = None, event: DemandEvent | None = None
    ) -> Reply:
        keep: dict[str, object] = {"locale_settled": True} if self.locale_settled else {}
        new_state = State(locale=self.locale, step=step,
                          data={**keep, **self.carry, **(data or {})})
        return Reply(
            messages=self.render(), state=new_state, demand_event=event, locale=self.locale,
            record=self.render(self.record) if self.record is not None else None,
            kind=self.kind,
        )

    def render(self, blocks: list[str] | None = None) -> tuple[OutMessage, ...]:
        """SMS and WhatsApp get the blocks packed into messages within the segment budget; a
        channel that takes long messages (Telegram) gets one. Buttons and map pins ride on the
        last message."""
        blocks = self.messages if blocks is None else blocks
        if self.can.one_message:
            texts = ["\n\n".join(blocks)] if blocks else []
        elif blocks and fits_sms("\n".join(blocks), self.budget):
            texts = ["\n".join(blocks)]  # one message: every reply to an SMS fits the budget
        else:
            texts = pack_for_sms(blocks, self.budget)
        messages = [OutMessage(t) for t in texts]
        if messages and (self.buttons or self.venues):
            messages[-1] = OutMessage(messages[-1].text, tuple(self.buttons), tuple(self.venues))
        return tuple(messages)

    def event(
        self,
        intent: str,
        outcome: str,
        service_type: ServiceType | None = None,
        place: Place | None = None,
    ) -> DemandEvent:
        return DemandEvent.at(
            self.now,
            channel=self.inbound.channel,
            locale=self.locale,
            intent=intent,
            service_type=service_type,
            province_code=place.province_code if place else None,
            district_code=place.district_code if place else None,
            outcome=outcome,
        )

    def keep_place(self) -> dict[str, object]:
        """The place the conversation knows, as the next state keeps it (nothing if none)."""
        place = self.carry.get("place", self.state.data.get("place"))
        return {"place": place} if isinstance(place, str) else {}

    def remembered_place(self) -> Place | None:
        """The place the conversation knows: one named, or a shared location's district."""
        code = self.carry.get("place", self.state.data.get("place"))
        return self.places.get(code) if isinstance(code, str) else None

    def shown(self) -> tuple[str, list[int], int] | None:
        """The services listed in this conversation: their kind, ids (ranked) and how many of
        them have been shown; None before any list."""
        shown = self.carry.get("shown")
        if not isinstance(shown, dict):
            return None
        intent, ids, offset = shown.get("intent"), shown.get("ids"), shown.get("offset")
        if (isinstance(intent, str) and intent in SERVICE_TYPES and isinstance(ids, list)
                and all(isinstance(i, int) for i in ids)
                and isinstance(offset, int) and offset > 0):
            return intent, ids, min(offset, len(ids))
        return None


def show_menu(turn: Turn) -> Reply:
    """The main menu (the conversation's context is kept: ``Turn.carry``)."""
    turn.kind = "menu"
    turn.say(turn.texts.menu())
    return turn.reply(Step.MENU)


def forget(turn: Turn) -> Reply:
    """Opt-out: delete the conversation. After a one-word SMS opt-out the SMS provider blocks
    further messages until START, and the goodbye says so."""
    turn.kind = "stop"
    if turn.inbound.provider_opted_out:
        turn.say(turn.texts.stopped_by_provider_word())
    else:
        turn.say(turn.texts.stopped())
    return Reply(messages=turn.render(), state=None, locale=turn.locale, kind=turn.kind)
