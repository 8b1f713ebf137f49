"""Reads documents, splits them and indexes them into Chroma."""

import rag.offline  # noqa: F401  (offline switches first)
