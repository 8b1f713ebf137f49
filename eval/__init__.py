"""Answer-quality evaluation and benchmarks: measurement only."""

import rag.offline  # noqa: F401  (offline switches first)
