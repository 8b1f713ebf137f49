"""The numpy encoder (``fast.py``) as a llama-index embedding model, prefixes applied as
sentence-transformers applies its prompts (``prefix + text``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.embedding.fast import NumpyEncoder


class NumpyEmbedding(BaseEmbedding):
    query_prefix: str = ""
    passage_prefix: str = ""
    _encoder: NumpyEncoder = PrivateAttr()

    def __init__(self, model_dir: Path, query_prefix: str, passage_prefix: str, cache_dir: Path | None,
                 tokenizer_checksum: str | None) -> None:
        super().__init__(model_name=str(model_dir), query_prefix=query_prefix, passage_prefix=passage_prefix)
        self._encoder = NumpyEncoder(model_dir, cache_dir, tokenizer_checksum)

    @classmethod
    def class_name(cls) -> str:
        return "NumpyEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.embed(self.query_prefix + query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await asyncio.to_thread(self._get_query_embedding, query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.embed(self.passage_prefix + text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [self._get_text_embedding(text) for text in texts]
