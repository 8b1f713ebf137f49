"""Gradio chat front end: presentation only."""

import rag.offline  # noqa: F401  (offline switches first)
