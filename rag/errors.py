"""Errors a user can act on: each carries a message that says what went wrong and what to do."""


class RagError(Exception):
    """Base class: the CLI and the chat show ``str(error)`` to the user instead of a traceback."""


class StoreUnavailable(RagError):
    """The Chroma store is missing, locked, corrupt or its server is down."""


class EmptyIndex(RagError):
    """Nothing has been ingested yet."""


class ModelMismatch(RagError):
    """The index was built with another embedding model; mixing vectors would give nonsense."""


class InvalidQuestion(RagError):
    """Empty or oversized question."""


class InvalidDocument(RagError):
    """A file that cannot be ingested (binary, empty, unreadable, too large)."""


class ModelUnavailable(RagError):
    """The embedding model directory cannot be built or loaded."""


class StoreBusy(RagError):
    """Another ingest holds the store's lock."""
