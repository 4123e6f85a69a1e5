"""How many SMS segments a text costs (3GPP TS 23.038): GSM-7 when every character is in the
GSM alphabet, otherwise UCS-2. Khmer always forces UCS-2: 70 code units in one segment, 67 per
part after that.

The counting is the kernel's because more than the engine needs it: the engine's replies
(``bot/segments.py``, which splits and packs them) and the rules of service and health alerts
(``core/alert_rules.py``), whose texts must fit one segment. The dashboard's alert form counts
the same way in the browser (``webhooks/outreach/static/sms_count.js``, which mirrors this
module; the browser test compares the two on a table of texts).
"""

from __future__ import annotations

import math

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def code_units(text: str) -> int:
    """What ``text`` costs: GSM-7 septets (an extended character takes two), or UCS-2 code
    units (a character beyond the BMP, such as an emoji, takes two)."""
    if is_gsm7(text):
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def single_segment(text: str) -> int:
    """How many code units one segment holds for ``text``'s encoding: 160 or 70."""
    return 160 if is_gsm7(text) else 70


def segment_count(text: str) -> int:
    """How many SMS segments ``text`` costs."""
    units = code_units(text)
    single = single_segment(text)
    part = 153 if single == 160 else 67
    if units <= single:
        return 1
    return math.ceil(units / part)
