"""How far is near, for the ranking (``bot.ranking``) and its form over arrays
(``bot.ranking_columns``), which both sort by these distances."""

from __future__ import annotations

#: Beyond this the bot says honestly that nothing is within reach, and still lists the nearest.
REACH_KM = 50.0
NEAR_KM = 10.0
#: Distances are compared in these bands, so that a few kilometres never outweigh what follows.
BANDS_KM = (10.0, 25.0, 50.0)
