"""Every deliberately broken questionnaire fails with the expected message and line.

Each file under ``broken/`` states what it expects in comment lines such as
``# expect 12: unknown choice list 'x'`` (line number, then part of the message).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.questionnaire import DefinitionErrors, load_file

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect (\d+): (.+)$", re.MULTILINE)


def test_there_are_at_least_fifteen_broken_files() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_reports_expected_errors(path: Path) -> None:
    expected = [(int(line), text) for line, text in EXPECT.findall(path.read_text())]
    assert expected, f"{path.name} states no expectation"

    with pytest.raises(DefinitionErrors) as caught:
        load_file(path)

    errors = caught.value.errors
    for line, text in expected:
        matching = [e for e in errors if e.line == line and text in e.message]
        assert matching, f"expected line {line}: {text!r}\ngot:\n" + "\n".join(
            str(e) for e in errors
        )
    for error in errors:
        assert error.file == str(path)
        assert str(error).startswith(f"{path}:")
