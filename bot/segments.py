"""SMS segment arithmetic for the engine's replies: budgets, splitting and packing. The counting
itself (GSM-7 or UCS-2, 3GPP TS 23.038) is the kernel's, ``core/sms_length.py``, which the rules
of alerts use too.
"""

from __future__ import annotations

import re
import unicodedata

from core.sms_length import segment_count

#: A reply over SMS must fit in this many segments (three parts: what cheap phones join reliably).
SMS_SEGMENT_BUDGET = 3
#: Emergency and crisis replies may use this many: a life outweighs the cost of an SMS, and
#: Khmer (UCS-2) fits less than half of what English does in three.
EMERGENCY_SEGMENT_BUDGET = 6


def budget_for(kind: str) -> int:
    """The segment budget of a reply of this kind (``docs/CONVERSATION.md``)."""
    if kind.startswith(("emergency/", "crisis/")):
        return EMERGENCY_SEGMENT_BUDGET
    return SMS_SEGMENT_BUDGET
_COENG = "\u17d2"


def fits_sms(text: str, budget: int = SMS_SEGMENT_BUDGET) -> bool:
    return segment_count(text) <= budget


def split_for_sms(text: str, budget: int = SMS_SEGMENT_BUDGET) -> list[str]:
    """Split ``text`` into messages that each fit ``budget`` segments, at line breaks first,
    then at spaces, and only as a last resort inside a word. Nothing is dropped."""
    if fits_sms(text, budget):
        return [text]
    pieces: list[str] = []
    current = ""
    for unit in _units(text, budget):
        candidate = f"{current}\n{unit}" if current else unit
        if fits_sms(candidate, budget):
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces


def pack_for_sms(blocks: list[str], budget: int = SMS_SEGMENT_BUDGET) -> list[str]:
    """Join consecutive blocks (a heading, one service, a hint) into as few messages as fit
    ``budget``, splitting a block only when it cannot fit a message on its own."""
    messages: list[str] = []
    for block in blocks:
        for part in split_for_sms(block, budget):
            joined = f"{messages[-1]}\n{part}" if messages else part
            if messages and fits_sms(joined, budget):
                messages[-1] = joined
            else:
                messages.append(part)
    return messages


def _units(text: str, budget: int) -> list[str]:
    """Lines, with any line too long on its own broken at spaces (or hard, for Khmer runs)."""
    units: list[str] = []
    for line in text.split("\n"):
        if fits_sms(line, budget):
            units.append(line)
            continue
        chunk = ""
        for word in line.split(" "):
            candidate = f"{chunk} {word}" if chunk else word
            if fits_sms(candidate, budget):
                chunk = candidate
                continue
            if chunk:
                units.append(chunk)
            while not fits_sms(word, budget):
                cut = _longest_fitting_prefix(word, budget)
                units.append(word[:cut])
                word = word[cut:]
            chunk = word
        if chunk:
            units.append(chunk)
    return units


def _longest_fitting_prefix(word: str, budget: int) -> int:
    low, high = 1, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if fits_sms(word[:mid], budget):
            low = mid
        else:
            high = mid - 1
    # Back off to a cluster boundary: a part must not start with a combining mark (Khmer
    # dependent vowel or sign) or with the consonant after a COENG, which phones draw broken.
    cut = low
    while cut > 0 and (_is_mark(word[cut]) or word[cut - 1] == _COENG):
        cut -= 1
    return cut or low  # (a run of marks alone: cut anywhere rather than not at all)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


#: Where a long block may be cut: after a Khmer full stop (។) or a sentence's end mark.
_SENTENCE_END = re.compile(r"(?<=[។.!?])\s+|(?<=។)(?=\S)")


def sentences(block: str) -> list[str]:
    """A block's sentences, each keeping its end mark (Khmer ។, or . ! ?) and the space after
    it, so that ``"".join(sentences(block)) == block``."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(block):
        pieces.append(block[start:match.end()])
        start = match.end()
    pieces.append(block[start:])
    return [p for p in pieces if p.strip()]


def chunk_blocks(blocks: list[str], hint: str, budget: int = SMS_SEGMENT_BUDGET) -> list[list[str]]:
    """Group an answer's blocks into SMS replies: each chunk with ``hint`` ("reply MORE to read
    on") appended fits ``budget`` segments as one message, the last one without the hint.
    Whole blocks go together where they fit; a block too long is cut at sentence ends, and the
    sentences of one block that land in one chunk stay one block."""
    units: list[tuple[int, str]] = []
    for index, block in enumerate(blocks):
        if fits_sms(f"{block}\n{hint}", budget):
            units.append((index, block))
        else:
            units.extend((index, sentence) for sentence in sentences(block))

    def text(chunk: list[tuple[int, str]], *tail: str) -> str:
        return "\n".join([*_merged(chunk), *tail])

    chunks: list[list[tuple[int, str]]] = []
    for unit in units:
        if chunks and fits_sms(text([*chunks[-1], unit], hint), budget):
            chunks[-1].append(unit)
        else:
            chunks.append([unit])
    # the last chunk needs no hint: pull it into the one before when the two fit together
    if len(chunks) > 1 and fits_sms(text([*chunks[-2], *chunks[-1]]), budget):
        chunks[-2].extend(chunks.pop())
    return [_merged(chunk) for chunk in chunks]


def _merged(chunk: list[tuple[int, str]]) -> list[str]:
    """Consecutive pieces of one block joined back as they were written."""
    merged: list[tuple[int, str]] = []
    for index, piece in chunk:
        if merged and merged[-1][0] == index:
            merged[-1] = (index, merged[-1][1] + piece)
        else:
            merged.append((index, piece))
    return [piece.strip() for _, piece in merged]
