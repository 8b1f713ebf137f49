"""CI gate: the shipped question-answer set, run through the real assistant, stays above its floors.

The floors (eval/floors.json) are set just under measured figures so a regression fails the build.
"""

import json
from pathlib import Path

from eval.metrics import floors_check
from eval.runner import DEFAULT_QA_PATH, load_qa, run_eval

FLOORS = Path(__file__).resolve().parents[2] / "eval" / "floors.json"


def test_shipped_eval_set_meets_the_quality_floors(assistant):
    result = run_eval(assistant, load_qa(DEFAULT_QA_PATH), progress=False)
    problems = floors_check(result.metrics, json.loads(FLOORS.read_text()))
    assert not problems, "\n".join(problems)
