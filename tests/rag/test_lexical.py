"""Polish keyword analysis: inflection through Morfeusz, derivation through shared roots."""

from rag.lexical import PolishAnalyzer


def test_query_word_the_documents_never_use_meets_its_derivational_family():
    analyzer = PolishAnalyzer()
    vocabulary = analyzer.surface_to_lemma("Uzyskał dofinansowanie z Europejskiego Funduszu Społecznego.")
    groups = analyzer.query_term_groups("Kto sfinansował projekt?", vocabulary)
    family = set(analyzer.document_terms("dofinansowanie"))
    assert any("sfinansowac" in group and family & set(group) for group in groups)


def test_word_the_documents_use_is_not_widened():
    analyzer = PolishAnalyzer()
    vocabulary = analyzer.surface_to_lemma("Projekt sfinansowano. Uzyskał dofinansowanie.")
    groups = analyzer.query_term_groups("Kto sfinansował projekt?", vocabulary)
    assert ["sfinansowac"] in groups


def test_typo_lookup_through_the_index_matches_difflib_over_the_whole_vocabulary():
    import difflib
    import random

    from rag.lexical import TYPO_CUTOFF, Vocabulary

    rnd = random.Random(11)
    letters = "abcdeghijklmnoprstuwyząćęłńóśźż"
    mapping = {"".join(rnd.choice(letters) for _ in range(rnd.randint(3, 12))): f"lemat{i}" for i in range(3000)}
    vocabulary = Vocabulary(mapping)
    queries = []
    for word in rnd.sample(sorted(mapping), 120):
        at = rnd.randrange(len(word))
        queries.append(word[:at] + rnd.choice(letters) + word[at + 1:])
    queries += ["".join(rnd.choice(letters) for _ in range(8)) for _ in range(40)]
    for query in queries:
        close = difflib.get_close_matches(query, mapping.keys(), n=1, cutoff=TYPO_CUTOFF) if len(query) >= 5 else []
        expected = mapping.get(query) or (mapping[close[0]] if close else None)
        assert vocabulary.closest(query) == expected, query


def test_derivational_family_through_the_root_index_is_every_lemma_sharing_the_root():
    from rag.lexical import Vocabulary, _root

    vocabulary = Vocabulary(PolishAnalyzer().surface_to_lemma(
        "Uzyskał dofinansowanie. Finansowanie zapewnił powiat. Przedszkole otwarto. Przedszkolanka czytała."))
    for lemmas in (["sfinansowac"], ["przedszkolny"], ["rower"]):
        roots = {_root(t) for t in lemmas} - {""}
        assert vocabulary.family(lemmas) == {t for t in vocabulary.lemmas if _root(t) in roots}
    assert {"dofinansowac", "finansowac"} <= vocabulary.family(["sfinansowac"])


def test_word_by_word_analysis_equals_one_morfeusz_call_on_the_whole_text():
    from rag.lexical import morfeusz

    text = ("Mógłbym\xa0zapytać:  czy 12 500 zł trafiło do Fundacji „Nowy Dom”?\tPaństwo Nowakowie, "
            "tel. 600-100-200, e-mail: biuro@przyklad.pl … a\ufffdb")
    analyser = morfeusz()
    whole = list(analyser.inner.analyse(text.replace("\ufffd", "?")))
    assert analyser.analyse(text) == whole
    assert analyser.analyse(text) == whole  # the second time from the word cache
