"""The example in docs/questionnaire-format.md is a valid questionnaire."""

from __future__ import annotations

import re
from pathlib import Path

from intake.questionnaire import codebook, load_text
from intake.questionnaire.errors import CODES, WARNINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaire-format.md"


def test_documented_example_loads() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1
    q = load_text(blocks[0], str(DOC)).questionnaire
    assert q.id == "vorming-2025"
    names = [v.name for v in codebook(q)]
    assert "module[m1].tevreden" in names and "module[m3].tevreden" not in names
    assert "slot.onderdelen.lesgever" in names
    assert "slot.aanraden.other_text" in names


def test_every_error_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([EW]-[A-Z-]+)` \|", text, re.MULTILINE))
    assert documented == set(CODES) | set(WARNINGS)
