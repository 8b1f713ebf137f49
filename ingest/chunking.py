"""Articles → llama-index nodes sized to the embedding model's window, with citable metadata."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import MetadataMode, TextNode

from ingest.reader import SUPPORTED_SUFFIXES, Article, read_articles
from rag.config import Settings
from rag.corpus import analysis_metadata
from rag.lexical import PolishAnalyzer
from rag.text import sentence_splitter_fn

# Shown to the embedding model with the chunk (the title says which visit a sentence is about);
# everything else is bookkeeping that would only blur the vector.
EMBEDDED_METADATA = ("title", "date_text")


# Bump when reading, splitting or sentence handling changes, so a re-ingest redoes unchanged files.
# 2: chunks record their article's subheading ("section"); short items are no longer dropped.
# 3: a title with a colon over a date line starts an article.
# 4: hard-wrapped paragraphs are joined, a line longer than a heading is never a title, encodings are
#    detected per file (the shipped corpus and the dev set read exactly as under 3).
# 5: PDF, DOCX, ODT, HTML and scans are read (ingest/formats); chunks record "page", "ocr" and
#    "doc_type" (the shipped corpus and the dev set read exactly as under 4).
# Not bumped for the corpus analysis chunks store since (rag/corpus.py): a bump would embed every file
# again, while the next ingest gives older chunks their analysis by a metadata update.
# 6: a chunk's sentences and their vectors are stored as one record (rag/store.py), not one per sentence;
# 7: those vectors in half precision (a store of 6 would read its float32 vectors as twice as many halves).
PIPELINE_VERSION = "7"


def ingest_key(article: Article, settings: Settings) -> str:
    """What a file's chunks were made from: its content and every setting that shapes the chunks."""
    return f"{article.file_hash}:{settings.chunk_tokens}:{settings.chunk_overlap}:{PIPELINE_VERSION}"


def make_splitter(settings: Settings) -> SentenceSplitter:
    """llama-index's sentence-aware splitter, counting the model's own tokens, Polish sentence rules."""
    from rag.embedding import model_tokenizer

    return SentenceSplitter(
        chunk_size=settings.chunk_tokens,
        chunk_overlap=settings.chunk_overlap,
        tokenizer=model_tokenizer(settings),
        chunking_tokenizer_fn=sentence_splitter_fn,
        paragraph_separator="\n\n",
    )


def article_document(article: Article, key: str) -> Document:
    metadata = {
        "source": article.source,
        "path": article.path,
        "title": article.title,
        "date": article.date,
        "date_text": article.date_text,
        "article": article.index,
        "file_hash": article.file_hash,
        "ingest_key": key,
    }
    hidden = [k for k in metadata if k not in EMBEDDED_METADATA]
    return Document(
        text=article.text,
        metadata=metadata,
        excluded_embed_metadata_keys=hidden,
        excluded_llm_metadata_keys=hidden,
        metadata_template="{value}",
        text_template="{metadata_str}\n\n{content}",
    )


def chunk_articles(articles: list[Article], settings: Settings, splitter: SentenceSplitter,
                   analyzer: PolishAnalyzer) -> list[TextNode]:
    """Split each article and give every chunk a stable id, source offsets, a hash, its BM25 terms and
    its corpus analysis."""
    from rag.embedding import model_tokenizer

    count = model_tokenizer(settings)  # the splitter's own count (see make_splitter)
    nodes: list[TextNode] = []
    for article in articles:
        document = article_document(article, ingest_key(article, settings))
        _fit_metadata(document, count, splitter.chunk_size // 2)
        for position, node in enumerate(splitter.get_nodes_from_documents([document])):
            start = article.start_char + (node.start_char_idx or 0)
            end = article.start_char + (node.end_char_idx or len(node.text))
            node.id_ = hashlib.sha1(
                f"{article.path}|{ingest_key(article, settings)}|{article.index}|{position}".encode()
            ).hexdigest()[:24]
            node.relationships = {}  # the per-article Document is transient; Chroma needs no links
            node.metadata.update(
                chunk=position,
                start_char=start,
                end_char=end,
                content_hash=hashlib.sha256(node.text.encode()).hexdigest()[:16],
                # The subheading most of the chunk lies under ("" before the first one); bookkeeping
                # for citations, kept out of the vector like the other per-chunk keys.
                section=article.section_for(start, end),
                # Where the chunk starts in the original (0: a format without pages), whether any of
                # it was read by OCR, and the file's type: for citations, kept out of the vector too.
                page=article.pages.page_at(start),
                ocr=article.pages.ocr_in(start, end),
                doc_type=article.pages.kind,
            )
            # BM25 terms and what the answering process derives from every chunk at load (rag/corpus.py),
            # computed here once; bookkeeping too, kept out of the vector.
            node.metadata.update(analysis_metadata(analyzer, article.title, node.text))
            node.excluded_embed_metadata_keys = [k for k in node.metadata if k not in EMBEDDED_METADATA]
            node.excluded_llm_metadata_keys = node.excluded_embed_metadata_keys
            nodes.append(node)
    return nodes


def _fit_metadata(document: Document, count: Callable[[str], list[int]], budget: int) -> None:
    """Shorten the document's embedded metadata, the title first, word by word from the end, to "…",
    until what the splitter prepends to every chunk takes at most ``budget`` tokens.

    The splitter raises when that metadata is longer than a chunk, and leaves a sliver of text per
    chunk when it is nearly as long; half a chunk keeps every chunk mostly text. The reader bounds
    titles, so this only bites with small chunk sizes, and then on the title: a date is a few tokens.
    """
    for key in EMBEDDED_METADATA:
        words = document.metadata[key].split()
        while words and _metadata_tokens(document, count) > budget:
            words.pop()
            document.metadata[key] = " ".join(words) + "…" if words else ""


def _metadata_tokens(document: Document, count: Callable[[str], list[int]]) -> int:
    """Tokens of the embedded and of the generator's metadata, whichever is more: the splitter
    measures the one with more characters."""
    return max(len(count(document.get_metadata_str(mode))) for mode in (MetadataMode.EMBED, MetadataMode.LLM))


def chunk_file(path: Path, settings: Settings) -> list[TextNode]:
    return chunk_articles(read_articles(path, settings), settings, make_splitter(settings), PolishAnalyzer())


def corpus_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def corpus_chunk_texts(settings: Settings) -> list[str]:
    """The text of every chunk of the configured corpus (used by the embedding parity test)."""
    return [node.text for path in corpus_files(settings.corpus_dir) for node in chunk_file(path, settings)]
