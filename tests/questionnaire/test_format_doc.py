"""The example in docs/questionnaire-format.md is a valid questionnaire."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from intake.questionnaire import codebook, load_text
from intake.questionnaire.errors import CODES, WARNINGS
from intake.questionnaire.source import parse

DOC = Path(__file__).resolve().parents[2] / "docs" / "questionnaire-format.md"
SCHEMA = DOC.parent / "questionnaire.schema.json"


def _examples() -> list[str]:
    """The complete questionnaires of the doc: its ```yaml blocks (snippets use ```yml)."""
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_documented_example_loads() -> None:
    q = load_text(_examples()[0], str(DOC)).questionnaire
    assert q.id == "vorming-2025"
    names = [v.name for v in codebook(q)]
    assert "module[m1].tevreden" in names and "module[m3].tevreden" not in names
    assert "slot.onderdelen.lesgever" in names
    assert "slot.aanraden.other_text" in names


def test_every_error_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([EW]-[A-Z-]+)` \|", text, re.MULTILINE))
    assert documented == set(CODES) | set(WARNINGS)


def test_every_documented_example_loads_without_problems() -> None:
    """Each complete example loads without an error or a warning and fits the JSON Schema,
    and the section on respondents has one for each way of access, as it says."""
    results = [load_text(block, str(DOC)) for block in _examples()]
    assert [r.warnings for r in results] == [[]] * len(results)
    schema = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for block in _examples():
        assert [e.message for e in schema.iter_errors(parse(block))] == []
    populations = {r.questionnaire.id: r.questionnaire.population for r in results}
    accesses = [p.access for p in populations.values() if p.declared]
    assert accesses == [("personal_link",), ("open_link",), ("personal_link", "open_link")]
    persons = populations["vorming-tevredenheid"]
    assert [a.id for a in persons.breakdowns] == ["regio", "jaar"]
    assert [a.id for a in persons.exported] == ["regio", "jaar", "kostprijs"]
    assert populations["evaluatie-studiedag"].expected == 315
    assert [k.code for k in populations["evaluatie-studiedag"].kinds] == ["D"]
    assert populations["bevraging-lokale-besturen"].covering.id == "gemeenten"
