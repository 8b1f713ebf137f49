"""Process-wide offline guards.

Imported first by every package of the project (see ``rag/__init__.py``) so the switches are set
before huggingface_hub, transformers, sentence-transformers, gradio or chromadb read them: an office
behind a firewall must never wait on a hub, a version check or telemetry.
"""

import os

_GUARDS = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # transformers' "Loading weights" bar on every model load
}


def apply() -> None:
    """Set every offline switch that is not already set by the user."""
    for key, value in _GUARDS.items():
        os.environ.setdefault(key, value)
    _point_tiktoken_at_bundled_cache()


def _point_tiktoken_at_bundled_cache() -> None:
    # llama-index-core ships cl100k_base; tiktoken would otherwise download it.
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return
    from importlib.util import find_spec

    spec = find_spec("llama_index.core")
    if spec and spec.submodule_search_locations:
        cache = os.path.join(list(spec.submodule_search_locations)[0], "_static", "tiktoken_cache")
        if os.path.isdir(cache):
            os.environ["TIKTOKEN_CACHE_DIR"] = cache


apply()
