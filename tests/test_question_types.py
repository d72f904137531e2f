"""The question-type registries: the engine's and the web side's cover the same types,
and each web type names a template that exists."""

from __future__ import annotations

import re
from pathlib import Path

from intake.forms.types import WEB_TYPES
from intake.questionnaire.types import QUESTION_TYPES

ROOT = Path(__file__).resolve().parents[1]


def test_every_engine_type_has_a_web_side_with_a_template() -> None:
    assert list(WEB_TYPES) == list(QUESTION_TYPES)
    for name, web in WEB_TYPES.items():
        assert (ROOT / "templates" / web.template).is_file(), name


# Comparisons with a question type's name, or with the kind of an export variable.
VARIABLE_KINDS = ("option", "matrix_row", "other_text")
REGISTRIES = ("intake/questionnaire/types/", "intake/forms/types.py")
# In the condition checker, "text", "number", "date" and "list" are the value types of a
# Reference (and token kinds), not question types; nor a registry attribute's type
# (choice, integer, number, text, list: a vocabulary of its own, ``ATTRIBUTE_TYPES``).
CONDITION_VALUE_TYPES = re.compile(
    r"\b(ref|left_ref|right_ref)\.type\b|\btoken\.kind\b|\b(attribute|a)\.type\b"
)


def _type_comparisons(text: str) -> list[str]:
    names = "|".join(re.escape(n) for n in (*QUESTION_TYPES, *VARIABLE_KINDS))
    literal = rf"['\"]({names})['\"]"
    pattern = re.compile(
        rf"\.type\s*(==|!=|\bin\b|\bnot in\b)"  # question.type == ..., q.type in (...)
        rf"|(==|!=)\s*{literal}|{literal}\s*(==|!=)"  # ... == 'matrix'
        rf"|\bin\s*[(\[{{][^)\]}}]*{literal}"  # ... in ('single_choice', 'scale')
    )
    return [
        line.strip()
        for line in text.splitlines()
        if pattern.search(line) and not CONDITION_VALUE_TYPES.search(line)
    ]


def test_only_the_registries_compare_type_names() -> None:
    """Adding a question type touches its registry entries, not every module that
    handles answers: nothing else branches on a type's name."""
    found: dict[str, list[str]] = {}
    for path in sorted([*ROOT.glob("intake/**/*.py"), *ROOT.glob("templates/**/*.html")]):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(REGISTRIES):
            continue
        hits = _type_comparisons(path.read_text(encoding="utf-8"))
        if hits:
            found[relative] = hits
    assert found == {}


def test_the_scan_finds_what_it_looks_for() -> None:
    """Guard: the scan above does catch the comparisons it forbids."""
    assert _type_comparisons('if question.type == "matrix":')
    assert _type_comparisons("{% elif question.type in ('single_choice', 'scale') %}")
    assert _type_comparisons("if variable.type != 'other_text':")
    assert _type_comparisons('return kind in {"single_choice", "scale", "option"}')
    assert not _type_comparisons('if ref.type == "text" or ref.type == "list":')
    assert not _type_comparisons("qtype = type_of(question)")
