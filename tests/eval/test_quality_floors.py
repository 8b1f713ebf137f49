"""CI gate: question sets run through the real assistant stay above their floors.

Two gates: the shipped set on the shipped corpus (eval/floors.json), and the development sets that
the answering models were fitted on, on the shipped corpus plus the development corpus
(eval/floors_generalisation.json). Floors sit just under the figures measured when the models were
last fitted, so a regression fails the build; the figures that tell what users will see are the
cross-validated and first-contact ones in the README, not these.
"""

import json
from pathlib import Path

import pytest

from eval.metrics import floors_check
from eval.runner import DEFAULT_QA_PATH, load_qa, run_eval
from eval.stores import store_for

ROOT = Path(__file__).resolve().parents[2]
FLOORS = ROOT / "eval" / "floors.json"
GENERALISATION_FLOORS = ROOT / "eval" / "floors_generalisation.json"
DEV_CORPUS = ROOT / "eval" / "generalisation" / "dev" / "corpus"
DEV_SETS = [ROOT / "eval" / "qa_holdout.jsonl", ROOT / "eval" / "generalisation" / "dev" / "qa.jsonl"]


def test_shipped_eval_set_meets_the_quality_floors(assistant):
    result = run_eval(assistant, load_qa(DEFAULT_QA_PATH), progress=False)
    problems = floors_check(result.metrics, json.loads(FLOORS.read_text()))
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_development_sets_on_the_development_corpus_meet_their_floors(base_settings):
    from rag.assistant import Assistant

    assistant = Assistant(store_for(base_settings, [DEV_CORPUS]))
    floors = json.loads(GENERALISATION_FLOORS.read_text())
    problems = []
    for path in DEV_SETS:
        result = run_eval(assistant, load_qa(path), progress=False)
        name = path.relative_to(ROOT).as_posix()
        problems += [f"{name}: {p}" for p in floors_check(result.metrics, floors[name])]
    assert not problems, "\n".join(problems)
