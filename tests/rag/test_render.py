"""How answers, refusals and sources read in the terminal."""

from rag.render import render_refusal, render_sources
from rag.types import Citation, Passage


def _passage(chunk_id: str, source: str, title: str, text: str = "Zdanie o spotkaniu w świetlicy.") -> Passage:
    return Passage(chunk_id=chunk_id, text=text, source=source, title=title, date="2021-03-04", date_text="",
                   article=0, start_char=0, end_char=len(text), score=0.5)


def test_a_refusal_names_each_article_once_with_all_its_markers():
    passages = [_passage("a", "x.txt", "Zebranie rady"), _passage("b", "x.txt", "Zebranie rady"),
                _passage("c", "y.txt", "Festyn rodzinny")]
    text, citations = render_refusal(passages, "pl")
    assert text.splitlines()[1:] == ["- Zebranie rady (2021-03-04) [1][2]", "- Festyn rodzinny (2021-03-04) [3]"]
    assert len(citations) == 3


def test_sources_put_the_title_first_and_show_no_markdown():
    cited = Citation(n=1, source="007_ab12.txt", title="Zebranie rady", date="2021-03-04",
                     text="**Rada** zebrała się [w świetlicy](#) przy Wielickiej.", score=0.8)
    assert render_sources([cited], "pl").splitlines()[1:] == [
        "[1] Zebranie rady (2021-03-04) — 007_ab12.txt",
        "    “Rada zebrała się w świetlicy przy Wielickiej.”",
    ]
