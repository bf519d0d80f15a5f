"""Opening hours typed in French ("Du lundi au vendredi : 9 h – 12 h et 13 h 30 – 17 h.") turned into
the OpenStreetMap `opening_hours` syntax that data·inclusion asks for ("Mo-Fr 09:00-12:00,13:30-17:00").

The text is typed freely by site coordinators. The conversion is all or nothing: every line must read
as "days : time ranges"; a single line it does not understand ("Le jeudi jusqu'à 19 h.", "Samedi matin
sur rendez-vous.") gives None, because half of the hours published as the whole would mislead.
"""

import re
import unicodedata

DAYS = {
    "lundi": "Mo",
    "mardi": "Tu",
    "mercredi": "We",
    "jeudi": "Th",
    "vendredi": "Fr",
    "samedi": "Sa",
    "dimanche": "Su",
}
ORDER = list(DAYS.values())

_DAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)s?"
# "du lundi au vendredi", "lundi au vendredi", "de lundi à vendredi", "lundi - vendredi".
_DAY_RANGE = re.compile(rf"^(?:du |de )?(?:le )?(?P<first>{_DAY}) (?:au|a|-) (?:le )?(?P<last>{_DAY})$")
# "lundi, mardi et jeudi", "le mercredi", "mardi et jeudi".
_DAY_LIST = re.compile(rf"^(?:les? )?{_DAY}(?:(?:, | et ){_DAY})*$")
# "9 h", "9h30", "13 h 30", "09:00", "9 h 00".
_TIME = r"(?P<{0}h>\d{{1,2}}) ?(?:h|:) ?(?P<{0}m>\d{{2}})?"
_TIME_RANGE = re.compile(r"^(?:de )?" + _TIME.format("start") + r" ?(?:-|a) ?" + _TIME.format("end") + r"$")
# Phrases that say nothing about the hours themselves and may follow them.
_NOISE = re.compile(r",? ?(?:sans rendez-vous|sur rendez-vous et sans rendez-vous)$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().strip()
    # Dashes of every kind become "-"; accents go (à -> a), apostrophes and spaces are tidied.
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"\s+", " ", text).strip().rstrip(".").strip()
    return text


def _days(text: str) -> str | None:
    match = _DAY_RANGE.match(text)
    if match:
        first = DAYS[match["first"].rstrip("s")]
        last = DAYS[match["last"].rstrip("s")]
        if ORDER.index(first) >= ORDER.index(last):
            return None
        return f"{first}-{last}"
    if _DAY_LIST.match(text):
        names = re.findall(_DAY, text)
        codes = [DAYS[name.rstrip("s")] for name in names]
        if len(set(codes)) != len(codes):
            return None
        return ",".join(sorted(codes, key=ORDER.index))
    return None


def _time(hours: str, minutes: str | None) -> tuple[int, int] | None:
    hour, minute = int(hours), int(minutes or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return hour, minute


def _ranges(text: str) -> str | None:
    parts = re.split(r" et |, | / |; ", text)
    ranges = []
    previous_end = None
    for part in parts:
        match = _TIME_RANGE.match(part.strip())
        if not match:
            return None
        start = _time(match["starth"], match["startm"])
        end = _time(match["endh"], match["endm"])
        if start is None or end is None or start >= end:
            return None
        if previous_end is not None and start < previous_end:
            return None
        previous_end = end
        ranges.append(f"{start[0]:02d}:{start[1]:02d}-{end[0]:02d}:{end[1]:02d}")
    return ",".join(ranges)


def _rule(line: str) -> str | None:
    line = _NOISE.sub("", _normalise(line)).strip()
    # "Du lundi au vendredi : 9 h – 17 h" or "Lundi au vendredi, 9 h – 17 h".
    match = re.match(r"^(?P<days>[a-z ,'-]+?) ?(?::|,) ?(?P<hours>\d.*)$", line)
    if not match:
        return None
    days = _days(match["days"].strip())
    hours = _ranges(match["hours"].strip())
    if days is None or hours is None:
        return None
    return f"{days} {hours}"


def osm_opening_hours(text: str) -> str | None:
    """The OSM `opening_hours` value of a site's hours, or None when any line cannot be read."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    rules = []
    for line in lines:
        rule = _rule(line)
        if rule is None:
            return None
        rules.append(rule)
    return "; ".join(rules)
