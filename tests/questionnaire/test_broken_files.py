"""Every deliberately broken questionnaire fails with the expected code, message and line.

Each file under ``broken/`` states what it expects in comment lines such as
``# expect 12 E-UNKNOWN-LIST: unknown choice list 'x'`` (line number, the error's
stable code, then part of the message).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from intake.questionnaire import DefinitionErrors, load_file
from intake.questionnaire.errors import CODES

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect (\d+) (E-[A-Z-]+): (.+)$", re.MULTILINE)
ANY_EXPECT = re.compile(r"^# expect", re.MULTILINE)


def test_there_are_at_least_fifteen_broken_files() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_reports_expected_errors(path: Path) -> None:
    source = path.read_text()
    expected = [(int(line), code, text) for line, code, text in EXPECT.findall(source)]
    assert expected, f"{path.name} states no expectation"
    assert len(expected) == len(ANY_EXPECT.findall(source)), "an expectation without a code"
    assert all(code in CODES for _, code, _ in expected)

    with pytest.raises(DefinitionErrors) as caught:
        load_file(path)

    errors = caught.value.errors
    for line, code, text in expected:
        matching = [e for e in errors if e.line == line and e.code == code and text in e.message]
        assert matching, f"expected line {line} {code}: {text!r}\ngot:\n" + "\n".join(
            str(e) for e in errors
        )
    for error in errors:
        assert error.file == str(path)
        assert str(error).startswith(f"{path}:")
        assert f": {error.code}: " in str(error)
