"""Safety content (``bot.safety``, ``bot.answers``): overdose first aid, CPR, naloxone, what to
do inside an emergency, and the replies to a crisis.

Sources (IFRC 2020, WHO 2014, WHO mhGAP 2016) and review status are in docs/SAFETY.md. Every
text here is marked "review" in the Khmer catalog until a clinician and a native speaker have
checked it. What is said inside an emergency never mentions police.
"""

from __future__ import annotations

from bot.wording import Wording


class SafetyTexts(Wording):
    """Emergencies and crises."""

    def emergency(self) -> tuple[str, ...]:
        """Overdose first aid: the first page alone holds what saves a life."""
        return (
            # TRANSLATORS: overdose first aid, page 1 of 5: it must work alone (an SMS user may
            # read no further). Call 119, stay, breathing -> side, not breathing -> breaths.
            # Never mention the police.
            self._(
                "Emergency: call 119 for an ambulance now and stay with the person. Not breathing "
                "normally? Tilt the head back and give rescue breaths. Breathing but not awake? "
                "Lay them on their side."
            ),
            self.rescue_breaths(),
            self.cpr(),
            # TRANSLATORS: overdose first aid, naloxone and staying (WHO 2014).
            self._(
                "If you have naloxone, give it now, and again after 2 to 3 minutes if nothing "
                "changes. Stay even if they wake: the overdose can come back. Do not put them in "
                "cold water."
            ),
            # TRANSLATORS: stimulant (yama, ice) emergencies.
            self._(
                "After yama or ice, chest pain, a fit, very hot skin or confusion are an emergency "
                "too. Call 119, move them somewhere cool and quiet, cool them with wet cloths and "
                "keep them away from danger."
            ),
        )

    def rescue_breaths(self) -> str:
        # TRANSLATORS: rescue breathing for someone who does not breathe normally (WHO 2014).
        return self._(
            "Rescue breaths: tilt the head back, lift the chin, pinch the nose and breathe into "
            "their mouth, 1 breath every 5 seconds, until they breathe by themselves or help "
            "arrives."
        )

    def cpr(self) -> str:
        # TRANSLATORS: CPR for someone who does not breathe and does not move (IFRC 2020).
        return self._(
            "CPR, if they do not breathe and do not move at all: call 119, then push hard and "
            "fast on the middle of the chest 30 times, then give 2 rescue breaths. Keep going "
            "until help arrives."
        )

    def first_aid(self) -> tuple[str, ...]:
        """"CPR?", "how do I breathe for him?": the answer asked for, then the rest."""
        return (
            self.cpr(),
            self.rescue_breaths(),
            self.recovery_position(),
        )

    def recovery_position(self) -> str:
        # TRANSLATORS: the recovery position (IFRC 2020).
        return self._(
            "Recovery position, for someone who breathes but is not awake: lay them on their "
            "side, top knee bent forward, head tilted back so the mouth points down. Check "
            "their breathing until help comes."
        )

    def naloxone(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: what naloxone does (WHO 2014).
            self._(
                "Naloxone reverses an overdose of heroin or other opioids for 30 to 90 minutes. "
                "It does not work on yama or ice, and does no harm if no opioid was taken."
            ),
            # TRANSLATORS: how to give naloxone, and where to ask for it. Do not claim it is
            # sold or given out anywhere in particular.
            self._(
                "Give it into the thigh or the nose, as its pack shows, and again after 2 to 3 "
                "minutes if nothing changes. Still call 119 and stay. Ask a methadone clinic or "
                "drop-in centre if they have it."
            ),
        )

    def first_steps(self) -> str:
        # TRANSLATORS: the first-aid steps in two lines, after another answer in an emergency.
        return self._(
            "Not breathing normally? Tilt the head back and give rescue breaths. Breathing but "
            "not awake? Lay them on their side. Stay with them."
        )

    def seizure(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: a fit (seizure), e.g. after drugs (IFRC 2020).
            self._(
                "A fit: call 119. Move hard or sharp things away and put something soft under "
                "the head. Do not hold them down or put anything in the mouth."
            ),
            self._(
                "When the shaking stops, lay them on their side and check their breathing. "
                "Stay with them until help arrives."
            ),
        )

    def heat(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: overheating after yama or ice (IFRC 2020, heat illness).
            self._(
                "Too hot after yama or ice is dangerous: call 119. Move them somewhere cool, "
                "loosen their clothes and cool them with wet cloths and a fan."
            ),
            self._(
                "If they are awake, give small sips of water. No more drugs or alcohol. Stay "
                "with them until help arrives."
            ),
        )

    def chest_pain(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: chest pain or a racing heart after a drug (yama, ice): possibly a
            # heart attack.
            self._(
                "Chest pain or a racing heart after a drug can be a heart attack: call 119 now. "
                "Help them sit, keep them calm and still, and give no more drugs or alcohol."
            ),
            self._(
                "If they stop breathing and do not move, start CPR: push hard and fast on the "
                "middle of the chest, 30 times, then 2 rescue breaths, until help arrives."
            ),
        )

    def psychosis(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: seeing or hearing things, panic or aggression after days without sleep
            # on yama or ice. Calm, safe; no restraint.
            self._(
                "Seeing or hearing things after days without sleep often passes with rest. Stay "
                "calm, speak softly, keep it quiet and move sharp things away. Do not argue or "
                "hold them down."
            ),
            self._(
                "If they might hurt themselves or others, or seem very ill, call 119. Water, "
                "food and sleep help. No more yama or ice."
            ),
        )

    def breathing(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: the person breathes again or wakes during an overdose (WHO 2014:
            # the overdose can return, naloxone wears off).
            self._(
                "Good. Keep them on their side and stay. Watch their breathing until help "
                "arrives: an overdose can come back, even after naloxone."
            ),
            self._(
                "If breathing slows or stops again, give rescue breaths and call 119. They "
                "should not use again today."
            ),
        )

    def ambulance(self) -> str:
        # TRANSLATORS: fear that calling 119 brings the police. Honest: ambulance crews are
        # health workers; promise nothing about police, and do not name them.
        return self._(
            "Call 119 anyway: ambulance crews are health workers, and they come to save a life. "
            "If you can, tell them what was taken: it helps them treat the person."
        )

    def stay(self) -> str:
        # TRANSLATORS: "ok", "thanks", "I'm scared" during an emergency.
        return self._(
            "Stay calm and stay with them until help arrives. If their breathing changes or "
            "stops, give rescue breaths and call 119 again."
        )

    def hospital_now(self) -> str:
        # TRANSLATORS: "where is the nearest hospital?" during an emergency.
        return self._(
            "Call 119: the ambulance takes them to hospital and helps on the way. If a hospital "
            "is very close and you can take them at once, go now, with them on their side."
        )

    def nothing_by_mouth(self) -> str:
        # TRANSLATORS: "can I give him water / coffee / milk?" during an emergency (IFRC 2020).
        return self._(
            "Give nothing to eat or drink and no other drug to someone who is not fully awake: "
            "they could choke. No cold water either. Keep them on their side and stay."
        )

    def keep_going(self) -> str:
        # TRANSLATORS: an emergency goes on ("what if he dies?", "help is not coming").
        return self._(
            "Keep going: rescue breaths, or CPR if they do not move, until they breathe or help "
            "arrives. If help is slow, call 119 again. You are doing the right thing."
        )

    def help_arrived(self) -> str:
        # TRANSLATORS: "the ambulance is here" during an emergency. Never mention the police.
        return self._(
            "Good. Tell the crew what was taken, how much and when, and how long they have been "
            "like this: it helps them treat the person."
        )

    def crisis(self) -> tuple[str, ...]:
        """Thoughts of suicide or self-harm: calm, warm, one clear step. For someone else's
        (a relative or a worker's client), what to do for them."""
        if self.who in ("relative", "worker"):
            return (
                # TRANSLATORS: someone says a relative or friend may want to end their life.
                # Calm; what to do for them (WHO mhGAP 2016). The neutral "they".
                self._(
                    "Thank you for telling me. Take it seriously and stay with them. Listen "
                    "without judging, and move away anything they could hurt themselves with."
                ),
                self._(
                    "If they might hurt themselves now, call 119 or take them to the nearest "
                    "hospital. You can write here any time. Reply 1 to find a voluntary service."
                ),
            )
        return (
            # TRANSLATORS: the first reply to someone who may want to end their life. Warm and
            # calm; no lecture; the neutral "you" (អ្នក).
            self._(
                "Thank you for telling me. You matter, and you are not alone. If you might hurt "
                "yourself now, call 119 or go to the nearest hospital, and stay near someone you "
                "trust."
            ),
            self._(
                "Talking helps: a friend, family or a health worker. You can write here any time. "
                "Reply 1 to find a voluntary service near you."
            ),
        )

    def crisis_followup(self, turn: int) -> str:
        """A calm reply inside a crisis ("no one can help me", "I'm so afraid"); ``turn``
        counts the follow-ups, so the words change rather than repeat. For someone else's
        crisis, what to do for them, and for oneself."""
        if self.for_someone:
            if turn % 2 == 0:
                # TRANSLATORS: inside a relative's crisis ("what should I do?"). Calm, practical.
                return self._(
                    "You are doing the right thing. Stay close to them, listen, and keep away "
                    "anything they could hurt themselves with. If they might act now, call 119."
                )
            # TRANSLATORS: inside a relative's crisis, a later follow-up: care for the carer too.
            return self._(
                "Look after yourself too: you do not have to carry this alone. If they might "
                "hurt themselves now, call 119 or take them to a hospital."
            )
        if turn % 2 == 0:
            # TRANSLATORS: inside a crisis, after the first crisis reply. Warm, calm, short.
            return self._(
                "I hear you. What you feel is heavy, and feelings like this can change. You do "
                "not have to carry it alone. If you might hurt yourself now, call 119."
            )
        # TRANSLATORS: inside a crisis, a later follow-up.
        return self._(
            "I am still here with you. Is someone you trust near you now? Stay close to them. "
            "If you might hurt yourself, call 119 or go to a hospital."
        )

    def crisis_person(self) -> str:
        # TRANSLATORS: offers a chat with an outreach worker inside a crisis. PERSON must be a
        # word the lexicons accept for asking for a person (km: មនុស្ស).
        return self._("Reply PERSON to write with an outreach worker here.")

    def crisis_thanks(self) -> str:
        # TRANSLATORS: thanks or "I'm a bit better" inside a crisis.
        return self._(
            "Thank you for writing. You can write here any time, day or night. If you feel in "
            "danger, call 119."
        )
