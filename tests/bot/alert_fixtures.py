"""Service and health alerts over the test directory of ``tests.bot.test_flows`` (Battambang:
services 1-7; Phnom Penh: 5 and 8), in force at its ``NOW`` unless said otherwise."""

from __future__ import annotations

from datetime import timedelta

from core.alert_info import AlertInfo, Scope
from core.vocabulary import AlertKind
from tests.bot.test_flows import NOW


def alert(id: int, kind: AlertKind, scope: str, en: str, km: str, advice_en: str = "",
          advice_km: str = "", days: tuple[int, int] = (-2, 5)) -> AlertInfo:
    """An alert from ``days[0]`` to ``days[1]`` days around ``NOW``."""
    return AlertInfo(id=id, kind=kind, scope=Scope.parse(scope), text_en=en, text_km=km,
                     advice_en=advice_en, advice_km=advice_km,
                     starts_at=NOW + timedelta(days=days[0]), ends_at=NOW + timedelta(days=days[1]))


#: A bad batch in Battambang province.
HEALTH = alert(
    1, AlertKind.HEALTH, "province:02",
    "Pink pills sold as yama this week have put people in hospital.",
    "គ្រាប់ម៉ាពណ៌ផ្កាឈូកសប្តាហ៍នេះ ធ្វើឱ្យមនុស្សចូលពេទ្យ។",
    "Test a small amount first, do not use alone, call 119 for an overdose.",
    "សាកតិចៗសិន កុំប្រើម្នាក់ឯង ហៅ ១១៩ ពេលប្រើលើសកម្រិត។",
)
#: The needle exchange (6) has moved.
MOVED = alert(5, AlertKind.MOVED, "service:6", "Now at the health centre by the market.",
              "ឥឡូវនៅមណ្ឌលសុខភាពក្បែរផ្សារ។")
#: Chamkar Clinic (2) is closed: not offered.
CLOSED = alert(3, AlertKind.CLOSED, "service:2", "Closed until 20 March.",
               "បិទរហូតដល់ ២០ មីនា។")
#: Call before going, in Battambang district (0203) only.
CALL_FIRST = alert(4, AlertKind.CALL_FIRST, "district:0203", "Call before going this week.",
                   "សប្តាហ៍នេះ សូមទូរស័ព្ទមុនពេលទៅ។")
#: Ended yesterday: shown nowhere.
EXPIRED = alert(2, AlertKind.REDUCED_HOURS, "province:02", "Open mornings only.",
                "បើកតែពេលព្រឹក។", days=(-10, -1))
#: Starts tomorrow: not yet.
LATER = alert(6, AlertKind.OUT_OF_STOCK, "province:02", "No syringes next week.",
              "សប្តាហ៍ក្រោយគ្មានសឺរ៉ាំង។", days=(1, 5))
#: In Phnom Penh's Doun Penh district (1202).
ELSEWHERE = alert(7, AlertKind.OUT_OF_STOCK, "district:1202", "No needles until Friday.",
                  "គ្មានម្ជុលរហូតដល់ថ្ងៃសុក្រ។")

ALL = (HEALTH, MOVED, CLOSED, CALL_FIRST, EXPIRED, LATER, ELSEWHERE)
