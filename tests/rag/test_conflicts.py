"""Sources that disagree on the asked fact: the answer quotes both, each cited, and says they differ.

End to end on a real Chroma store (real e5 model, the fitted answering model) over five small files
written here: two notes on one visit naming different leaders, two on another visit that agree, and
an earlier visit from the same city led by someone else.
"""


import pytest

from ingest.indexer import Indexer
from rag.config import Settings
from rag.conflicts import amounts, counts, dates, differ, people, settle
from rag.evidence import Evidence, Sentence
from rag.query import QueryPart
from rag.render import PHRASES
from rag.types import Passage
from rag.verify import sentence_supported

VISIT = "trondheim_wizyta.txt"
NOTE = "trondheim_notatka.txt"
DOCS = {
    VISIT: (
        "Wizyta delegacji z Trondheim\n\n2023-03-14\n\n"
        "W dniu 14 marca 2023 roku Miejski Ośrodek Pomocy Społecznej w Krakowie odwiedziła delegacja z Trondheim. "
        "Delegacji przewodniczyła Ingrid Halvorsen, dyrektor wydziału spraw społecznych miasta. "
        "Celem wizyty było poznanie krakowskiego systemu wsparcia seniorów. "
        "Goście odwiedzili klub seniora i mieszkania chronione.\n"
    ),
    NOTE: (
        "Notatka ze spotkania z gośćmi z Trondheim\n\n2023-03-20\n\n"
        "W marcu 2023 roku w Krakowie gościła delegacja z Trondheim. Delegacji przewodniczył Jan Kowalski. "
        "Rozmowy dotyczyły opieki nad osobami starszymi i pracy socjalnej w dzielnicach.\n"
    ),
    "bergen_wizyta.txt": (
        "Wizyta gości z Bergen\n\n2022-10-05\n\n"
        "W dniu 5 października 2022 roku w ośrodku przebywała delegacja z Bergen. "
        "Delegacji przewodniczyła Kari Nordmann, kierowniczka biura pomocy rodzinie. "
        "Goście poznali program asystentów rodziny.\n"
    ),
    "bergen_relacja.txt": (
        "Relacja z wizyty delegacji z Bergen\n\n2022-10-07\n\n"
        "Jesienią 2022 roku Kraków odwiedzili przedstawiciele Bergen. Delegacji przewodniczyła Kari Nordmann. "
        "Rozmawiano o wsparciu rodzin z dziećmi.\n"
    ),
    "bergen_2019.txt": (
        "Wizyta delegacji z Bergen w 2019 roku\n\n2019-04-02\n\n"
        "W dniu 2 kwietnia 2019 roku ośrodek gościł delegację z Bergen. Delegacji przewodniczył Ole Hansen. "
        "Goście poznali pracę klubów seniora.\n"
    ),
}
NOTES = {lang: PHRASES[lang]["differs"] for lang in PHRASES}


@pytest.fixture(scope="module")
def settings(tmp_path_factory, model_dir) -> Settings:
    root = tmp_path_factory.mktemp("conflicts")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings.load(data_dir=root / "data", model_dir=model_dir, chroma_host="")
    report = Indexer(settings, progress=False).run([folder])
    assert not report.errors and len(report.added) == len(DOCS)
    return settings


@pytest.fixture(scope="module")
def assistant(settings):
    from rag.assistant import Assistant

    return Assistant(settings)


def _without_conflicts(assistant, question, monkeypatch):
    """The answer the composer gives when it looks for no disagreement (as before this feature)."""
    with monkeypatch.context() as m:
        m.setattr("rag.composer.settle", lambda evidence, chosen, *rest: (chosen, None))
        return assistant.ask(question)


def _source_of(answer, fragment: str) -> set[str]:
    [sentence] = [s for s in answer.sentences if fragment in s.text]
    return {answer.citations[n - 1].source for n in sentence.citations}


@pytest.mark.parametrize("question, lang", [
    ("Kto przewodniczył delegacji z Trondheim?", "pl"),
    ("Who led the delegation from Trondheim?", "en"),
])
def test_two_files_naming_different_leaders_are_both_quoted_each_cited_and_said_to_differ(assistant, question, lang):
    answer = assistant.ask(question)
    assert not answer.refused and answer.lang == lang
    assert "Ingrid Halvorsen" in answer.answer and "Jan Kowalski" in answer.answer
    assert _source_of(answer, "Ingrid Halvorsen") == {VISIT}
    assert _source_of(answer, "Jan Kowalski") == {NOTE}
    [noted] = [line for line in answer.answer.splitlines() if line.startswith(NOTES[lang])]
    assert noted.endswith("]") and ("Halvorsen" in noted) != ("Kowalski" in noted)  # the second one, marked
    passages = {c.n: c.text for c in answer.citations}
    assert all(sentence_supported(s.text, passages[n]) for s in answer.sentences for n in s.citations)


def test_differing_statement_is_added_even_when_the_answer_has_no_room_left(settings):
    from rag.assistant import Assistant

    answer = Assistant(settings.replace(max_answer_sentences=1)).ask("Kto przewodniczył delegacji z Trondheim?")
    assert len(answer.sentences) == 2 and NOTES["pl"] in answer.answer
    assert {c.source for c in answer.citations} == {VISIT, NOTE}


def test_two_files_that_agree_give_the_usual_answer_with_no_note(assistant, monkeypatch):
    # The 2019 visit had another leader, but the question asks about 2022: that file is about another visit.
    question = "Kto przewodniczył delegacji z Bergen w 2022 roku?"
    answer = assistant.ask(question)
    assert "Kari Nordmann" in answer.answer and not any(note in answer.answer for note in NOTES.values())
    assert answer.answer == _without_conflicts(assistant, question, monkeypatch).answer


def test_a_question_that_fits_two_visits_quotes_each_leader_once_and_notes_the_difference(assistant):
    # No year asked: the 2019 and the 2022 visits had different leaders, both strong for the ranker.
    answer = assistant.ask("Kto przewodniczył delegacji z Bergen?")
    assert "Ole Hansen" in answer.answer and "Kari Nordmann" in answer.answer
    assert _source_of(answer, "Ole Hansen") == {"bergen_2019.txt"}
    assert answer.answer.count(NOTES["pl"]) == 1
    assert len([s for s in answer.sentences if "Kari Nordmann" in s.text or "Ole Hansen" in s.text]) == 2


def test_no_note_where_another_part_of_the_question_asks_the_same_kind_of_answer(assistant):
    # "…i kto…": a different person may be the other part's answer, not a disagreement.
    analysis = assistant.analyse("Kto przewodniczył delegacji z Trondheim i kto przewodniczył delegacji z Bergen?")
    [first, second] = assistant.evidence(analysis)
    assert assistant.answering.judge(first)[0]
    alone = assistant.composer.run(first, 2)
    asked_twice = assistant.composer.run(first, 2, others=[second.part])
    assert any(c.differs for c in alone) and not any(c.differs for c in asked_twice)
    assert {c.text for c in asked_twice} <= {c.text for c in alone}


def test_a_month_and_a_day_of_that_month_agree_so_dates_get_no_note(assistant, monkeypatch):
    question = "Kiedy delegacja z Trondheim odwiedziła Kraków?"
    answer = assistant.ask(question)
    assert "2023" in answer.answer and NOTES["pl"] not in answer.answer
    assert answer.answer == _without_conflicts(assistant, question, monkeypatch).answer


def test_question_whose_shape_has_no_values_is_answered_unchanged(assistant, monkeypatch):
    question = "W jakim celu przyjechała delegacja z Trondheim?"  # a purpose: nothing to disagree on
    answer = assistant.ask(question)
    assert not answer.refused and "Celem wizyty" in answer.answer and NOTES["pl"] not in answer.answer
    assert answer.answer == _without_conflicts(assistant, question, monkeypatch).answer


# What counts as the same value: read and compared without a store.


def test_a_person_is_the_same_in_any_case_and_another_surname_differs():
    assert not differ("person", people("Delegacji przewodniczył Jan Kowalski."),
                      people("Rozmawiano z Janem Kowalskim."))
    assert differ("person", people("Delegacji przewodniczył Jan Kowalski."),
                  people("Delegacji przewodniczyła Ingrid Halvorsen."))
    assert not people("Spotkanie odbyło się w Krakowie.")  # a lone capitalised word is no person


def test_dates_differ_only_where_both_are_precise():
    assert not differ("date", dates("14 maja 2019 r."), dates("w maju 2019"))
    assert not differ("date", dates("14 maja 2019 r."), dates("w 2019 roku"))
    assert differ("date", dates("14 maja 2019 r."), dates("15.05.2019"))
    assert not dates("13 września br.")  # "this year" is never guessed


def test_amounts_compare_as_numbers_and_counts_only_of_the_same_noun():
    assert not differ("money", amounts("1 113 999,60 zł"), amounts("1113999,60 zł"))
    assert not differ("money", amounts("2,5 mln zł"), amounts("2 500 000 zł"))
    assert differ("money", amounts("300 zł"), amounts("350 zł"))
    assert not differ("money", amounts("300 zł"), amounts("70 euro"))  # different currencies: not comparable
    assert differ("count", counts("Delegacja liczyła 12 osób."), counts("W delegacji było 14 osób."))
    assert not differ("count", counts("Przyjechało 12 osób."), counts("Odwiedzili 3 placówki."))
    assert not counts("Spotkanie 14 maja 2019 r. przy ul. Józefińskiej 14, 30-529 Kraków.")


# The rules of ``settle`` on sentences built by hand (no store, no model).


def _sentence(text: str, source: str, probability: float, matched: set[str], rank: int = 0) -> Sentence:
    passage = Passage(f"{source}#0", text, source, "", "", "", 0, 0, len(text))
    return Sentence(text, passage, rank, 0, matched=dict.fromkeys(matched, 1.0), probability=probability)


def _evidence(*sentences: Sentence, numbers=frozenset({"2022"})) -> Evidence:
    part = QueryPart("Kto przewodniczył delegacji z Bergen w 2022 roku?", "", (), frozenset(), frozenset({"bergen"}),
                     "person", numbers, ())
    return Evidence(part, "pl", [s.passage for s in sentences], list(sentences), name_keys={"bergen"})


ASKED = {"przewodniczyc", "delegacja", "bergen", "2022"}
BEST = _sentence("Delegacji przewodniczyła Kari Nordmann.", "a.txt", 0.95, ASKED)


@pytest.mark.parametrize("other, why", [
    (_sentence("Delegacji przewodniczył Ole Hansen.", "b.txt", 0.69, ASKED), "below the composer's floor"),
    (_sentence("Delegacji przewodniczył Ole Hansen.", "a.txt", 0.9, ASKED), "the same file"),
    (_sentence("Delegacji przewodniczył Ole Hansen.", "b.txt", 0.9, ASKED - {"2022"}), "not about the year asked"),
    (_sentence("Delegacji przewodniczył Ole Hansen.", "b.txt", 0.9, ASKED - {"bergen"}), "not about the city asked"),
    (_sentence("Delegację z Bergen przywitała Kari Nordmann.", "b.txt", 0.9, ASKED), "the same person"),
    (_sentence("Delegacja przyjechała jesienią.", "b.txt", 0.9, ASKED), "no person at all"),
])
def test_a_sentence_is_no_differing_statement_when(other, why):
    evidence = _evidence(BEST, other)
    assert settle(evidence, [BEST], [BEST, other], 0.7) == ([BEST], None), why


def test_a_strong_sentence_from_another_file_naming_another_person_is_the_differing_statement():
    other = _sentence("Delegacji przewodniczył Ole Hansen.", "b.txt", 0.71, ASKED)
    assert settle(_evidence(BEST, other), [BEST], [BEST, other], 0.7) == ([BEST], other)
    # Quoted already as a runner-up: it leaves the plain answer, to be quoted after it with the note.
    assert settle(_evidence(BEST, other), [BEST, other], [BEST, other], 0.7) == ([BEST], other)
