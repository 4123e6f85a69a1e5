"""Answers to questions (``bot.answers``): is it free, private, voluntary; will police know;
what methadone is, going back to it, and what it does not treat; the practical questions.

Every answer is a tuple of pages; it must stay exactly as honest as it is (docs/PRIVACY.md).
"""

from __future__ import annotations

from bot.wording import Wording


class FaqTexts(Wording):
    """Answers to questions."""

    def faq_cost(self) -> tuple[str, ...]:
        return (
            self._(
                "Services marked free in our list cost nothing. If you are unsure, ask when you "
                "call. Reply 1 to find voluntary treatment."
            ),
        )

    def faq_privacy(self) -> tuple[str, ...]:
        # TRANSLATORS: the privacy promise (three parts). It must stay exactly this honest:
        # no more, no less. It matches docs/PRIVACY.md.
        return (
            self._(
                "Sangkhim does not keep your number, name or messages. It remembers only your "
                "last step and today's requests, for up to 24 hours. STOP deletes them at once."
            ),
            # TRANSLATORS: the one exception, which the texter chooses (a chat with a person).
            self._(
                "If you ask to talk to an outreach worker, that chat is kept locked until it "
                "ends, then deleted."
            ),
            self._(
                "We count requests by district and service, with no link to you, to show where "
                "help is needed. Your phone company, WhatsApp, Telegram and our SMS provider "
                "can still see your messages. Reply MENU for the menu."
            ),
        )

    def not_police(self) -> str:
        # TRANSLATORS: answers "are you the police?" and "will police know?". Exactly this
        # true: Sangkhim cannot identify anyone; the phone company still sees messages.
        return self._(
            "Sangkhim is not the police and does not work for them. It keeps no number or name, "
            "so it cannot tell anyone who you are. Your phone company can still see messages."
        )

    def faq_police(self) -> tuple[str, ...]:
        return (
            self.not_police(),
            # TRANSLATORS: "will the clinic report me?". Promise nothing on the clinics' behalf.
            self._(
                "Voluntary clinics are health services. We cannot promise what every clinic or "
                "the police will do: before you go, call and ask how they keep your name private. "
                "Reply 1 to find one."
            ),
        )

    def police_now(self) -> tuple[str, ...]:
        # TRANSLATORS: "police are here, help". Calm and practical. DELETE must be the word the
        # catalog's stop list accepts (km: លុប).
        return (
            self._(
                "Stay calm and keep yourself safe. Sangkhim is not the police and cannot tell "
                "anyone who you are. You can delete these messages from your phone, and reply "
                "DELETE to erase this chat here. If someone is hurt, call 119."
            ),
        )

    def safe_now(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: "is it safe now?" during a crackdown. Promise nothing about police.
            self._(
                "We cannot know where police are today, and cannot promise what they will do. "
                "Voluntary clinics are health services: you can call first and ask if it is a "
                "good time to come."
            ),
            self._(
                "If you take methadone, try not to miss doses: after a few days your tolerance "
                "drops, and heroin at your old amount can cause an overdose. Reply 3 to find a "
                "methadone clinic."
            ),
        )

    def faq_centre(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: "will they lock him up in a centre?". Voluntary means the person
            # chooses and can leave. The compulsory centres: មណ្ឌលស្តារនីតិសម្បទា / មណ្ឌលបង្ខំ.
            self._(
                "At a voluntary clinic you choose to come and you can leave when you want; no one "
                "is sent to a centre from there. Sangkhim lists only voluntary services, never "
                "compulsory centres."
            ),
            self._(
                "We cannot promise what the police or local authorities will do. If you are "
                "worried, call the clinic first and ask. Reply 1 to find one."
            ),
        )

    def faq_voluntary(self) -> tuple[str, ...]:
        return (
            self._(
                "Voluntary means you choose. You can stop or leave at any time. Sangkhim lists "
                "only voluntary services and never sends anyone to a compulsory centre."
            ),
            # TRANSLATORS: describes community-based treatment in Cambodia.
            self._(
                "Community-based treatment means visits to a clinic or health centre near home: "
                "counselling and health care, and you go home the same day. Reply 1 to find one."
            ),
        )

    def faq_methadone(self) -> tuple[str, ...]:
        return (
            self._(
                "Methadone is a medicine you drink once a day at a clinic. It stops withdrawal "
                "and craving for heroin, so you can live without injecting."
            ),
            self._(
                "Missing doses is dangerous: after a few days your tolerance drops, and using "
                "heroin at your old amount can cause an overdose."
            ),
            self._(
                "If you stopped, you can go back: visit your clinic or any methadone clinic and "
                "say when you last had a dose. They restart you safely. Reply 3 to find a clinic."
            ),
        )

    def faq_restart(self) -> tuple[str, ...]:
        """"I stopped methadone 2 months ago, can I go back?" (the engine adds the nearest
        methadone clinics); "can my son go back?" for someone else."""
        if self.who in ("relative", "worker"):
            return (
                # TRANSLATORS: "can my son go back to methadone?". Yes first.
                self._(
                    "Yes, they can go back. Methadone clinics take people back whenever they "
                    "are ready, and no one is punished for stopping."
                ),
                self._(
                    "They should tell the staff when they last had a dose: after a break the "
                    "clinic restarts low and raises it safely. Until then, heroin at the old "
                    "amount can cause an overdose."
                ),
            )
        return (
            # TRANSLATORS: yes first. Methadone programmes re-admit people who dropped out.
            self._(
                "Yes, you can go back. Methadone clinics and voluntary services take people "
                "back whenever they are ready, and no one is punished for stopping."
            ),
            # TRANSLATORS: why the dose restarts low: tolerance falls within days.
            self._(
                "Tell the staff when you last had a dose. After a break your body is no longer "
                "used to your old dose, so they restart low and raise it safely. Until then, "
                "heroin at your old amount can cause an overdose."
            ),
        )

    def faq_stimulants(self) -> tuple[str, ...]:
        """"Can I get methadone if I use yama?": what methadone is for, and what helps with
        stimulants."""
        if self.who in ("relative", "worker"):
            return (
                self._(
                    "Methadone is for people who use heroin or other opioids. It does not treat "
                    "yama or ice, and does not take away the craving for them."
                ),
                # TRANSLATORS: about a relative who also uses heroin.
                self._(
                    "If they use heroin too, they can still get methadone, and should tell the "
                    "clinic everything they use."
                ),
                self._(
                    "For yama or ice, voluntary treatment helps: counselling and health care near "
                    "home. Reply 1 to find it."
                ),
            )
        return (
            # TRANSLATORS: methadone treats opioid dependence only. Yama: យ៉ាម៉ា; ice (crystal
            # methamphetamine): ម៉ាទឹកកក.
            self._(
                "Methadone is for people who use heroin or other opioids. It does not treat yama "
                "or ice, and does not take away the craving for them."
            ),
            self._(
                "If you use heroin too, you can still get methadone: tell the clinic everything "
                "you use, so they can keep you safe."
            ),
            self._(
                "For yama or ice, voluntary treatment helps: counselling and health care near "
                "home. Reply 1 to find it."
            ),
        )

    def faq_delete(self) -> tuple[str, ...]:
        # TRANSLATORS: "should I delete these messages?" — a question, not a request. Exactly
        # this true. DELETE must be the word the catalog's stop list accepts (km: លុប).
        return (self._(
            "You can delete this chat from your phone like any other. Sangkhim keeps no number, "
            "name or message text, so there is nothing here to find. Reply DELETE to also erase "
            "your last step here."
        ),)

    def faq_number(self) -> tuple[str, ...]:
        # TRANSLATORS: "will they know my number?". Exactly this true.
        return (self._(
            "Sangkhim does not keep your number, so it can never give it to anyone. A clinic "
            "sees your number only if you call or text it. Your phone company can still see "
            "messages."
        ),)

    def faq_papers(self) -> tuple[str, ...]:
        # TRANSLATORS: "do I need my ID card? what papers?". Promise nothing for the clinics.
        return (self._(
            "Clinics differ: some ask for an ID card, some do not. Call first and ask what to "
            "bring and how they keep your name private. Sangkhim needs no name or papers. "
            "Reply 1 to find a clinic."
        ),)

    def faq_booking(self) -> tuple[str, ...]:
        # TRANSLATORS: "must I book before I go?". Walk-in is a flag of each entry.
        return (self._(
            "Places marked walk-in see you without booking. For the others, call before you go: "
            "each place's phone is in our list. Reply 1, 2 or 3 to find one."
        ),)

    def faq_companion(self) -> tuple[str, ...]:
        # TRANSLATORS: "can a friend come with me?".
        return (self._(
            "Yes, you can bring a friend or relative for support. If you are unsure, ask when "
            "you call. Reply 1 to find a voluntary service."
        ),)

    def faq_hospital(self) -> tuple[str, ...]:
        # TRANSLATORS: "is the hospital better?". An emergency: 119. Treatment: close to home.
        return (self._(
            "In an emergency, call 119 or go to a hospital. For treatment of drug use, voluntary "
            "clinics and health centres are close to home and you go home the same day. Reply 1 "
            "to find one."
        ),)
