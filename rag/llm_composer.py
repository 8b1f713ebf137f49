"""Optional generative composer: a llama-index LLM writes the answer from the numbered passages.

Off by default (``composer = "llm"`` turns it on). Two backends, both through llama-index's LLM
interface: an OpenAI-compatible endpoint an office already runs (``llm_api_base``; needs the
``llama-index-llms-openai-like`` package), or a local GGUF file through llama.cpp (``llm_gguf_path``;
needs ``llama-index-llms-llama-cpp``, see the README for the build flags). Whatever the model writes,
only sentences that cite a passage and are supported by it (``rag.verify``) reach the user.
"""

from __future__ import annotations

import re

from rag.claims import Claim, Composer
from rag.config import Settings
from rag.errors import RagError
from rag.evidence import Evidence
from rag.text import split_sentences
from rag.verify import sentence_supported

PROMPT = """Answer the question using ONLY the numbered passages. Write at most {limit} short sentences
in {language}. End every sentence with the number of the passage it comes from, like [1]. If the passages
do not answer the question, write only: {unknown}

{passages}

Question: {question}
Answer:"""
_MARKER = re.compile(r"\[(\d+)\]")
_UNKNOWN = {"pl": "NIE WIEM", "en": "I DON'T KNOW"}
_LANGUAGE = {"pl": "Polish", "en": "English"}


def _chatml(messages) -> str:
    """Qwen2.5's ChatML prompt format for llama.cpp."""
    parts = [f"<|im_start|>{m.role.value}\n{m.content}<|im_end|>" for m in messages]
    return "\n".join(parts) + "\n<|im_start|>assistant\n"


def build_llm(settings: Settings):
    if settings.llm_api_base:
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as error:
            raise RagError("composer=llm with llm_api_base needs: pip install llama-index-llms-openai-like") from error
        return OpenAILike(api_base=settings.llm_api_base, model=settings.llm_model, api_key="not-needed",
                          is_chat_model=True, temperature=0.0, max_tokens=300)
    if settings.llm_gguf_path:
        try:
            from llama_index.llms.llama_cpp import LlamaCPP
        except ImportError as error:
            raise RagError("composer=llm with llm_gguf_path needs llama-index-llms-llama-cpp (see README)") from error
        return LlamaCPP(model_path=str(settings.llm_gguf_path), temperature=0.0, max_new_tokens=300,
                        context_window=4096, messages_to_prompt=_chatml,
                        completion_to_prompt=lambda text: f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n",
                        model_kwargs={"n_threads": 2}, verbose=False)
    raise RagError("composer=llm needs RAG_LLM_API_BASE (an OpenAI-compatible server) or RAG_LLM_GGUF_PATH")


class LLMComposer(Composer):
    def __init__(self, settings: Settings, llm=None) -> None:
        super().__init__(settings)
        self.llm = llm or build_llm(settings)

    def _compose(self, evidence: Evidence, budget: int) -> list[Claim]:
        passages = evidence.passages
        if not passages:
            return []
        numbered = "\n\n".join(f"[{i}] {p.title} ({p.date or p.date_text})\n{p.text}" for i, p in enumerate(passages, 1))
        prompt = PROMPT.format(
            limit=budget, language=_LANGUAGE.get(evidence.lang, "Polish"),
            unknown=_UNKNOWN.get(evidence.lang, "NIE WIEM"), passages=numbered, question=evidence.question,
        )
        text = self.llm.complete(prompt).text.strip()
        claims = []
        for sentence in split_sentences(text):
            cited = [passages[int(n) - 1] for n in _MARKER.findall(sentence) if 0 < int(n) <= len(passages)]
            plain = re.sub(r"\s*\[\d+\]", "", sentence).strip()
            supported = [p for p in cited if sentence_supported(plain, p.text)]
            if plain and supported:  # uncited or unsupported sentences are dropped, never shown
                claims.append(Claim(plain, tuple(supported)))
        return claims
