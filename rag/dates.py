"""Dates as Polish office texts write them: "10 grudnia 2012", "15.06.12 r.", "13 września br."."""

from __future__ import annotations

import re

MONTHS = {
    "stycznia": 1, "lutego": 2, "marca": 3, "kwietnia": 4, "maja": 5, "czerwca": 6, "lipca": 7,
    "sierpnia": 8, "września": 9, "października": 10, "listopada": 11, "grudnia": 12,
}  # fmt: skip
_WORDY_DATE = re.compile(
    r"\b(\d{1,2})(?:\s*-\s*\d{1,2})?\s+(" + "|".join(MONTHS) + r")\s+(\d{4}|br\.)", re.IGNORECASE
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})(?:\s*-\s*\d{1,2})?\.(\d{1,2})\.\s?(\d{4}|\d{2})\b")


def find_date(text: str) -> tuple[str, str]:
    """The first date stated in ``text`` as (ISO or "", as written). "br." (this year) is never guessed."""
    candidates = []
    for match in _WORDY_DATE.finditer(text):
        day, month, year = int(match.group(1)), MONTHS[match.group(2).lower()], match.group(3)
        iso = "" if year.lower() == "br." else f"{int(year):04d}-{month:02d}-{day:02d}"
        candidates.append((match.start(), iso, match.group(0)))
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            continue
        full_year = int(year) if len(year) == 4 else 2000 + int(year)
        candidates.append((match.start(), f"{full_year:04d}-{month:02d}-{day:02d}", match.group(0)))
    if not candidates:
        return "", ""
    _, iso, written = min(candidates)
    return iso, written.strip()
