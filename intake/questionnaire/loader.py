"""Load a questionnaire: parse, check the structure, resolve references, build the model.

The steps, each in its own module: ``source`` parses YAML safely and keeps the
line of every key; ``structure`` checks each mapping against its table of keys
(``schema``; a question's keys are on its type); ``references`` resolves choice
lists, catalogues, repeated sections, prefill and conditions while ``builder``
builds the model in file order. Every problem is collected with its file, line
and code, so an author sees them all at once. The same path turns a stored
definition (plain JSON, no line numbers) back into the model at run time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.questionnaire import builder, structure
from intake.questionnaire.errors import DefinitionError, DefinitionErrors, Report
from intake.questionnaire.model import Questionnaire
from intake.questionnaire.schema import Context
from intake.questionnaire.source import SourceError, parse


@dataclass
class LoadResult:
    """A checked questionnaire with the plain definition it was built from."""

    questionnaire: Questionnaire
    definition: dict[str, Any]
    content_hash: str
    # Things the author should decide that do not make the file invalid (W-... codes).
    warnings: list[DefinitionError] = field(default_factory=list)


def content_hash(definition: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a definition: equal content, equal hash."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Question keys that change only what the export does with answers, never what is asked
# or how answers are stored: a stored version may take a change to them in place.
EXPORT_ONLY_KEYS = frozenset({"identifying"})


def asked_content(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without its export-only question keys: what respondents are asked."""
    result = dict(definition)
    sections = definition.get("sections")
    if isinstance(sections, list):
        result["sections"] = [
            {**section, "questions": [
                {k: v for k, v in question.items() if k not in EXPORT_ONLY_KEYS}
                if isinstance(question, dict) else question
                for question in section.get("questions") or []
            ]} if isinstance(section, dict) and isinstance(section.get("questions"), list)
            else section
            for section in sections
        ]  # fmt: skip
    return result


def load_file(path: str | Path) -> LoadResult:
    """Read and check a questionnaire file; raise DefinitionErrors listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DefinitionErrors(
            [DefinitionError(str(path), None, "the file is not UTF-8 text", "E-FILE")]
        ) from None
    except OSError as exc:
        raise DefinitionErrors(
            [DefinitionError(str(path), None, f"cannot read the file: {exc.strerror}", "E-FILE")]
        ) from None
    return load_text(text, str(path))


def load_text(text: str, filename: str = "<questionnaire>") -> LoadResult:
    """Parse and check YAML text; raise DefinitionErrors listing every problem."""
    try:
        raw = parse(text)
    except SourceError as exc:
        raise DefinitionErrors(
            [DefinitionError(filename, exc.line, exc.message, exc.code)]
        ) from None
    questionnaire, warnings = checked(raw, filename)
    definition = json.loads(json.dumps(raw, default=str))
    return LoadResult(questionnaire, definition, content_hash(definition), warnings)


def from_definition(definition: dict[str, Any]) -> Questionnaire:
    """Rebuild the model from a stored (already checked) definition."""
    return check(definition, "<stored definition>")


def check(raw: Any, filename: str) -> Questionnaire:
    """The model of a parsed file: its structure checked, then its references resolved."""
    return checked(raw, filename)[0]


def checked(raw: Any, filename: str) -> tuple[Questionnaire, list[DefinitionError]]:
    """The model of a parsed file and the warnings found while checking it."""
    ctx = Context(Report(filename))
    document = structure.read_document(raw, ctx)
    return builder.build(document, ctx), ctx.report.warnings
