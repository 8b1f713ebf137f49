"""The generative composer's guard rails, with a scripted llama-index LLM standing in for a model."""

from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata

from rag.config import Settings
from rag.evidence import Evidence
from rag.llm_composer import LLMComposer
from rag.query import QueryPart
from rag.types import Passage


class ScriptedLLM(CustomLLM):
    reply: str = ""
    prompts: list = []

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata()

    def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.reply)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
        yield self.complete(prompt)


def _passage(n: int, text: str) -> Passage:
    return Passage(chunk_id=f"c{n}", text=text, source=f"{n}.txt", title=f"T{n}", date="2022-09-20",
                   date_text="2022-09-20", article=0, start_char=0, end_char=len(text))


PASSAGES = [
    _passage(1, "W dniu 13 września 2022 roku delegacji z Frankfurtu przewodniczyła Elke Voitl."),
    _passage(2, "Goście zwiedzą Klub Samopomocy oraz Dom Pomocy Społecznej Nowa Huta."),
]


def _compose(reply: str):
    llm = ScriptedLLM(reply=reply)
    composer = LLMComposer(Settings(composer="llm"), llm=llm)
    part = QueryPart(text="Kto przewodniczył delegacji?", query="Kto przewodniczył delegacji?", groups=(),
                     focus=frozenset(), names=frozenset(), shape="person", numbers=frozenset(), unknown_names=())
    return composer.run(Evidence(part, "pl", PASSAGES), budget=3), llm.prompts[-1]


def test_supported_cited_sentences_are_kept_with_their_passage():
    claims, prompt = _compose("Delegacji z Frankfurtu przewodniczyła Elke Voitl [1].")
    assert [(c.text, [p.chunk_id for p in c.passages]) for c in claims] == [
        ("Delegacji z Frankfurtu przewodniczyła Elke Voitl.", ["c1"])
    ]
    assert "[1] T1" in prompt and "[2] T2" in prompt


def test_uncited_or_unsupported_sentences_never_reach_the_user():
    claims, _ = _compose("Przewodniczył jej burmistrz Paryża Jan Kowalski [2]. Delegacja liczyła 40 osób.")
    assert claims == []


def test_marker_beyond_the_passages_is_ignored():
    claims, _ = _compose("Delegacji z Frankfurtu przewodniczyła Elke Voitl [7].")
    assert claims == []
