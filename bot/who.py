"""Who is asking: the sender about their own use, for a relative or friend, or an outreach
worker for someone they work with (``locales/who.tsv``).

Answers are worded for the reader: "if your relative injects" is wrong for a person who wrote
"I inject". The reading is kept in the conversation state only (``docs/CONVERSATION.md``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.normalize import normalize
from bot.spans import Span, SpanMatcher

WHO_FILE = Path(__file__).resolve().parent.parent / "locales" / "who.tsv"
#: The readings, strongest first: a worker's word settles it; a first-person use outweighs a
#: relative named beside it ("I smoke with my friend"); "I need help" only leans to self.
ORDER = ("worker", "self", "relative", "self_maybe")


class WhoError(ValueError):
    """A line of the who-is-asking file that cannot be read."""


def read_who(path: Path = WHO_FILE) -> list[tuple[str, str]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line
        if not text.strip():
            continue
        parts = [p.strip() for p in text.split("\t")]
        if len(parts) < 2 or parts[0] not in ORDER or not parts[1]:
            raise WhoError(f"{path.name}:{number}: expected one of {ORDER}<TAB>phrase")
        rows.append((parts[0], normalize(parts[1])))
    return rows


class WhoReader:
    def __init__(self, path: Path = WHO_FILE) -> None:
        self._matcher: SpanMatcher[str] = SpanMatcher(
            (phrase, who) for who, phrase in read_who(path)
        )

    def read(self, normalised: str) -> str | None:
        """``self``, ``relative``, ``worker`` or None (the message does not say)."""
        spans = self._matcher.find_all(normalised)
        relatives = [s for s in spans if "relative" in s.payloads]
        found: set[str] = set()
        for span in spans:
            for who in span.payloads:
                if who.startswith("self") and any(_overlap(span, r) for r in relatives):
                    continue  # "កូនខ្ញុំប្រើ": "my child uses", not "I use"
                found.add(who)
        for who in ORDER:
            if who in found:
                return "self" if who == "self_maybe" else who
        return None


def _overlap(a: Span[str], b: Span[str]) -> bool:
    return a.start < b.end and b.start < a.end


@lru_cache(maxsize=1)
def default_who() -> WhoReader:
    return WhoReader()
