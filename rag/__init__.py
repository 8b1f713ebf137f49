"""Retrieval and cited answers over an office's documents."""

from rag import offline  # noqa: F401  (sets the offline switches before anything else imports)
