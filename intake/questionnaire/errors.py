"""Errors found in a questionnaire file, each with its file, line and a stable code.

The code (``E-UNKNOWN-KEY``, ...) names the kind of problem independently of the
wording, so tests and tools can match it while messages stay free to improve.
``CODES`` lists every code with what it means (docs/questionnaire-format.md too).
Warnings (``W-...``, listed in ``WARNINGS``) point at something an author should
decide, without making the file invalid: the file loads, and the checker prints them.
"""

from __future__ import annotations

from dataclasses import dataclass

CODES: dict[str, str] = {
    "E-FILE": "the file cannot be read, or is not UTF-8 text",
    "E-YAML": "the text is not YAML we accept (syntax, size, a Python tag)",
    "E-DUPLICATE-KEY": "a key written twice in one mapping",
    "E-STRUCTURE": "a mapping or list stands where something else belongs",
    "E-UNKNOWN-KEY": "a key that is not allowed in this place or for this question type",
    "E-MISSING-KEY": "a key that must be given is missing",
    "E-VALUE": "a value of the wrong kind or form (true/false, a number, a date, an id, ...)",
    "E-LANGUAGE": "a text in a language the questionnaire does not list, or without the "
    "default language",
    "E-DUPLICATE-ID": "a section, question or row id used twice",
    "E-DUPLICATE-VALUE": "a choice value, catalogue code or language listed twice",
    "E-NAME-CLASH": "a name that is both a choice list and an items catalogue",
    "E-UNKNOWN-TYPE": "a question type that does not exist",
    "E-UNKNOWN-LIST": "'choices' names no choice list or items catalogue",
    "E-CHOICES": "choices that do not suit the question (too few, a reserved value, "
    "surveyed_only without a catalogue)",
    "E-RANGE": "a bound out of range, or 'min' larger than 'max'",
    "E-PLACEHOLDER": "a {item.…} placeholder that is unknown or outside a repeated section",
    "E-REPEAT-FOR": "repeat_for names no catalogue or earlier multiple-choice question",
    "E-PREFILL": "an unknown prefill source, or one that does not fit the question",
    "E-CONDITION": "a 'relevant' condition that cannot be parsed or checked",
    "E-MAIL-TEMPLATE": "a mail text that is not a valid template, or uses an unknown field",
}

WARNINGS: dict[str, str] = {
    "W-IDENTIFYING-UNSET": "a free-text question in a section that asks who the respondent is "
    "(a name, an e-mail address), without 'identifying: true' or 'identifying: false'",
}


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a questionnaire file, in words an author understands."""

    file: str
    line: int | None
    message: str
    code: str

    def __post_init__(self) -> None:
        if self.code not in CODES and self.code not in WARNINGS:
            raise ValueError(f"unknown error code {self.code!r}")

    @property
    def is_warning(self) -> bool:
        return self.code in WARNINGS

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.code}: {self.message}"


class DefinitionErrors(Exception):
    """All problems found in one file (never only the first)."""

    def __init__(self, errors: list[DefinitionError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class Report:
    """Collects the problems of one file while it is checked, to raise them all at once;
    warnings are kept apart (they never stop a file from loading)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[DefinitionError] = []
        self.warnings: list[DefinitionError] = []

    def error(self, code: str, line: int | None, message: str) -> None:
        self.errors.append(DefinitionError(self.file, line, message, code))

    def warn(self, code: str, line: int | None, message: str) -> None:
        if code not in WARNINGS:
            raise ValueError(f"unknown warning code {code!r}")
        self.warnings.append(DefinitionError(self.file, line, message, code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise DefinitionErrors(self.errors)
