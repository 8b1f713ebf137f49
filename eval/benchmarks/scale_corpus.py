"""A generated office archive for the scale benchmark: distinct Polish news items with planted facts.

Every sentence is one of a few dozen templates written for this benchmark, filled with names, towns,
institutions, programmes, dates and numbers drawn at random, so no two items are alike: dedup sees
distinct texts and BM25 a realistic spread of names and numbers. A handful of items carry a *planted
fact* about a programme whose name occurs nowhere else; the questions about them tell whether the
fact is still found as the haystack grows. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from pathlib import Path

FIRST = ("Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Zofia Teresa Joanna Magdalena "
         "Monika Jadwiga Halina Dorota Beata Iwona Renata Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin "
         "Jakub Adam Łukasz Grzegorz Mateusz Wojciech Mariusz Dariusz Rafał Zbigniew Jerzy Stanisław Tadeusz").split()
LAST = ("Nowak Wiśniewska Wójcik Kowalczyk Kamińska Lewandowski Zieliński Szymańska Woźniak Dąbrowski Kozłowska "
        "Jankowski Mazur Kwiatkowska Krawczyk Piotrowski Grabowska Nowakowski Pawłowska Michalski Adamczyk "
        "Dudek Zając Wieczorek Jabłońska Król Majewski Olszewska Jaworski Wróbel Malinowska Pawlak Witkowski "
        "Walczak Stępień Górska Rutkowski Michalak Sikora Ostrowska Baran Duda Szewczyk Tomaszewska Pietrzak "
        "Marciniak Wróblewski Zalewska Jakubowski Jasińska Zawadzki Sadowska Bąk Chmielewski Włodarczyk").split()
TOWNS = ("Tarnów Nowy Sącz Bochnia Wieliczka Myślenice Oświęcim Chrzanów Olkusz Gorlice Limanowa Zakopane "
         "Rzeszów Kielce Katowice Gliwice Opole Lublin Radom Płock Toruń Bydgoszcz Poznań Kalisz Leszno "
         "Wrocław Legnica Szczecin Koszalin Gdańsk Elbląg Olsztyn Białystok Łomża Siedlce Częstochowa").split()
PARTNERS = ("Lipsk Drezno Norymberga Wiedeń Graz Bratysława Koszyce Ostrawa Brno Lwów Wilno Ryga Tartu "
            "Bergen Malmö Aarhus Lyon Bordeaux Bolonia Florencja Porto Walencja Utrecht Gandawa").split()
INSTITUTIONS = (
    "Dom Pomocy Społecznej", "Środowiskowy Dom Samopomocy", "Ośrodek Interwencji Kryzysowej",
    "Centrum Integracji Społecznej", "Dzienny Dom Senior", "Klub Integracji Społecznej",
    "Punkt Konsultacyjny", "Ośrodek Wsparcia dla Osób Starszych", "Schronisko dla Osób Bezdomnych",
    "Zespół Pracy Socjalnej", "Powiatowe Centrum Pomocy Rodzinie", "Warsztat Terapii Zajęciowej",
)
# Surnames made of syllables: an archive meets thousands of names no dictionary knows, and its
# vocabulary keeps growing with it; a fixed list would keep the vocabulary small at any size.
SYLLABLES = ("bor", "kra", "mil", "sto", "wen", "dra", "gol", "prze", "lis", "tom", "rad", "sze", "mar", "zaw",
             "bie", "cho", "dom", "gra", "jan", "kul", "lew", "mro", "nie", "pal", "ros", "sob", "tka", "wal")
ENDINGS = ("ski", "ska", "cki", "cka", "ak", "ek", "ik", "owicz", "ewicz", "czyk", "iec", "uch")
PROGRAMMES = ("Aktywny Senior", "Razem w Rodzinie", "Bezpieczny Dom", "Krok do Pracy", "Sąsiedzka Pomoc",
              "Opieka wytchnieniowa", "Asystent Rodziny", "Wsparcie na Start", "Dobry Klimat", "Otwarte Drzwi",
              "Mieszkanie Treningowe", "Teleopieka", "Posiłek w Szkole", "Ciepły Kąt", "Mosty Pokoleń")
TOPICS = ("przeciwdziałania przemocy w rodzinie", "pieczy zastępczej", "aktywizacji zawodowej",
          "opieki nad osobami starszymi", "pomocy osobom w kryzysie bezdomności", "wsparcia osób z niepełnosprawnościami",
          "mieszkalnictwa wspomaganego", "pracy socjalnej ze społecznością lokalną", "profilaktyki uzależnień",
          "integracji cudzoziemców", "wolontariatu senioralnego", "usług opiekuńczych w miejscu zamieszkania")
ROLES = ("dyrektor", "zastępczyni dyrektora", "kierownik działu", "koordynatorka projektu", "pracownik socjalny",
         "specjalistka pracy z rodziną", "przewodnicząca komisji", "pełnomocnik prezydenta")
MONTHS = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
          "października", "listopada", "grudnia")

TITLES = (
    "Wizyta delegacji z miasta {partner}",
    "Szkolenie z zakresu {topic}",
    "Program „{programme}” w {year} roku",
    "Konferencja na temat {topic}",
    "Nowa placówka: {institution} w {town}",
    "Sprawozdanie z realizacji programu „{programme}”",
    "Spotkanie z przedstawicielami {town}",
    "Porozumienie o współpracy z miastem {partner}",
)
SENTENCES = (
    "W dniu {date} w siedzibie ośrodka odbyło się spotkanie poświęcone zagadnieniom {topic}.",
    "Spotkaniu przewodniczył {role} {person}, który przedstawił plany na rok {year}.",
    "W wydarzeniu wzięło udział {n} uczestników z {town} i okolicznych gmin.",
    "Delegacja z miasta {partner} zapoznała się z działalnością placówki {institution}.",
    "Program „{programme}” objął w {year} roku {n} rodzin, a jego budżet wyniósł {amount} zł.",
    "Koordynatorem działań po stronie ośrodka był {person}, od lat zajmujący się tematyką {topic}.",
    "Goście odwiedzili również {institution} w {town}, gdzie rozmawiano o standardach usług.",
    "Uczestnicy podkreślali, że współpraca z miastem {partner} przynosi wymierne efekty.",
    "Na realizację zadania przeznaczono {amount} zł ze środków budżetu miasta.",
    "Szkolenie prowadziła {person}, {role} z wieloletnim doświadczeniem.",
    "W ramach projektu zatrudniono {k} nowych pracowników socjalnych.",
    "Kolejne spotkanie zaplanowano na {date} w {town}.",
    "Z usług placówki {institution} korzysta obecnie {n} osób.",
    "Wnioski z wizyty zostaną przedstawione na posiedzeniu komisji w dniu {date}.",
    "Przedstawiciele {town} zaprezentowali rozwiązania wypracowane w programie „{programme}”.",
    "Porozumienie podpisali {person} oraz {person2} w obecności przedstawicieli organizacji pozarządowych.",
    "Od {year} roku liczba osób objętych wsparciem wzrosła o {k} procent.",
    "Podczas warsztatów omówiono metody pracy z rodzinami w sytuacjach kryzysowych.",
    "Dyskusję moderowała {person}, która zwróciła uwagę na potrzebę szkoleń dla kadry.",
    "Dzięki dofinansowaniu w wysokości {amount} zł wyremontowano pomieszczenia {institution}.",
    "Partnerzy z miasta {partner} zaprosili krakowskich specjalistów na rewizytę w {year} roku.",
    "W spotkaniu uczestniczyło {k} przedstawicieli organizacji pozarządowych z {town}.",
    "Informacje o programie „{programme}” można uzyskać pod numerem telefonu 12 {phone}.",
    "Zgodnie z harmonogramem zadanie zostanie zakończone do dnia {date}.",
    "Raport z realizacji działań obejmuje {n} stron i jest dostępny w sekretariacie.",
    "Wśród gości był {role} {person} z {town}, który opowiedział o doświadczeniach swojej gminy.",
)

# Planted facts: a programme name found nowhere else, one fact about it, and the question that asks it.
PLANT_ADJECTIVES = ("Bursztynowa", "Jaśminowa", "Modrzewiowa", "Szafirowa", "Wrzosowa", "Jarzębinowa",
                    "Malwowa", "Cyprysowa", "Miodowa", "Lawendowa", "Grafitowa", "Koralowa")
PLANT_NOUNS = ("Przystań", "Latarnia", "Ścieżka", "Polana", "Kładka", "Altana", "Zatoka", "Dolina")
PLANT_FACTS = (
    ("Koordynatorką programu „{name}” została {person}, specjalistka pracy z rodziną.",
     "Kto został koordynatorem programu „{name}”?", "{person}"),
    ("Program „{name}” objął w {year} roku dokładnie {n} rodzin z dzielnicy {town}.",
     "Ile rodzin objął program „{name}” w {year} roku?", "{n}"),
    ("Porozumienie w sprawie programu „{name}” podpisano {date} w {town}.",
     "Kiedy podpisano porozumienie w sprawie programu „{name}”?", "{date}"),
    ("Na program „{name}” przeznaczono {amount} zł z budżetu miasta.",
     "Ile pieniędzy przeznaczono na program „{name}”?", "{amount}"),
)


@dataclass(frozen=True)
class PlantedQuestion:
    question: str
    source: str  # the file name that holds the fact
    expected: str  # the value the answer should quote


def _surname(rnd: random.Random) -> str:
    if rnd.random() < 0.5:
        return rnd.choice(LAST)
    return (rnd.choice(SYLLABLES) + rnd.choice(SYLLABLES) + rnd.choice(ENDINGS)).capitalize()


def _fill(template: str, rnd: random.Random, year: int) -> str:
    return template.format(
        partner=rnd.choice(PARTNERS), topic=rnd.choice(TOPICS), programme=rnd.choice(PROGRAMMES),
        institution=rnd.choice(INSTITUTIONS), town=rnd.choice(TOWNS), role=rnd.choice(ROLES),
        person=f"{rnd.choice(FIRST)} {_surname(rnd)}", person2=f"{rnd.choice(FIRST)} {_surname(rnd)}",
        year=year, n=rnd.randint(12, 940), k=rnd.randint(2, 45), amount=f"{rnd.randint(12, 980)} {rnd.randint(100, 999)}",
        date=f"{rnd.randint(1, 28)} {rnd.choice(MONTHS)} {year} r.", phone=f"{rnd.randint(100, 999)} {rnd.randint(10, 99)} {rnd.randint(10, 99)}",
    )


def item_text(rnd: random.Random, extra: list[str] = ()) -> tuple[str, str]:
    """One news item as the office's archive files look (title, ISO date, paragraphs) and its date."""
    year = rnd.randint(2008, 2025)
    iso = f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    title = _fill(rnd.choice(TITLES), rnd, year)
    paragraphs = []
    for _ in range(rnd.randint(3, 6)):
        paragraphs.append(" ".join(_fill(t, rnd, year) for t in rnd.sample(SENTENCES, rnd.randint(2, 4))))
    for sentence in extra:  # a planted fact sits inside an ordinary paragraph
        paragraphs.insert(rnd.randint(0, len(paragraphs)), f"{_fill(rnd.choice(SENTENCES), rnd, year)} {sentence}")
    return f"{title}\n\n{iso}\n\n" + "\n\n".join(paragraphs) + "\n", iso


def write_corpus(folder: Path, files: int, planted: int = 24, seed: int = 13) -> list[PlantedQuestion]:
    """``files`` items under ``folder`` (in subfolders of 1,000), ``planted`` of them carrying a fact;
    the questions are saved next to the folder as ``questions.jsonl`` and returned."""
    rnd = random.Random(seed)
    plant_at = set(rnd.sample(range(files), min(planted, files)))
    names = [f"{a} {n}" for a in PLANT_ADJECTIVES for n in PLANT_NOUNS]
    rnd.shuffle(names)
    questions: list[PlantedQuestion] = []
    for i in range(files):
        extra: list[str] = []
        if i in plant_at:
            fact, question, expected = PLANT_FACTS[len(questions) % len(PLANT_FACTS)]
            values = {"name": names[len(questions)], "person": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
                      "year": rnd.randint(2010, 2025), "n": rnd.randint(101, 899), "town": rnd.choice(TOWNS),
                      "date": f"{rnd.randint(1, 28)} {rnd.choice(MONTHS)} {rnd.randint(2010, 2025)} r.",
                      "amount": f"{rnd.randint(101, 899)} {rnd.randint(100, 999)}"}
            extra = [fact.format(**values)]
            name = f"{i:06d}.txt"
            questions.append(PlantedQuestion(question.format(**values), name, expected.format(**values)))
        text, _ = item_text(rnd, extra)
        path = folder / f"{i // 1000:03d}" / f"{i:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder.parent / "questions.jsonl").write_text("".join(json.dumps(asdict(q), ensure_ascii=False) + "\n" for q in questions),
                                            encoding="utf-8")
    return questions


def load_questions(folder: Path) -> list[PlantedQuestion]:
    lines = (folder.parent / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [PlantedQuestion(**json.loads(line)) for line in lines if line.strip()]
