"""Load a questionnaire from YAML, check everything, and build the model.

Every problem is collected with its file and line, so an author sees them all at
once. The same builder turns a stored definition (plain JSON, no line numbers)
back into the model at run time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from intake.questionnaire import conditions
from intake.questionnaire.conditions import ConditionError, Name, Reference
from intake.questionnaire.errors import DefinitionError, DefinitionErrors
from intake.questionnaire.model import (
    MAX_TEXT,
    Catalogue,
    CatalogueItem,
    Choice,
    MatrixRow,
    Question,
    Questionnaire,
    RepeatSource,
    Section,
    Text,
)
from intake.questionnaire.source import SourceError, line_of, parse
from intake.questionnaire.vocabulary import KINDS, PROVINCES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
OTHER_VALUE = "other"
OTHER_TEXT = "other_text"
RESERVED_VALUES = (OTHER_VALUE, OTHER_TEXT)

TOP_KEYS = {"id", "version", "title", "intro", "languages", "choice_lists", "items", "sections"}
SECTION_KEYS = {"id", "title", "intro", "relevant", "repeat_for", "questions"}
COMMON_KEYS = {"id", "type", "label", "help", "required", "relevant", "prefill", "identifying"}
IDENTIFYING_PREFILLS = {"respondent.name", "respondent.contact.name", "respondent.contact.email"}
TYPE_KEYS: dict[str, set[str]] = {
    "single_choice": {"choices", "other", "surveyed_only"},
    "multiple_choice": {"choices", "other", "min", "max", "surveyed_only"},
    "scale": {"choices"},
    "text": {"max_length"},
    "textarea": {"max_length"},
    "number": {"min", "max", "integer"},
    "date": {"min", "max"},
    "email": set(),
    "matrix": {"choices", "rows"},
    "note": set(),
}
NOTE_KEYS = {"id", "type", "label", "help", "relevant"}
PREFILL_SOURCES = {
    "respondent.name": {"text", "textarea"},
    "respondent.kind": {"single_choice", "text"},
    "respondent.province": {"single_choice", "text"},
    "respondent.contact.name": {"text"},
    "respondent.contact.email": {"email", "text"},
}
OTHER_LABELS = {"nl": "Andere", "en": "Other", "fr": "Autre", "de": "Andere"}


@dataclass
class LoadResult:
    """A checked questionnaire with the plain definition it was built from."""

    questionnaire: Questionnaire
    definition: dict[str, Any]
    content_hash: str


def content_hash(definition: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a definition: equal content, equal hash."""
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_file(path: str | Path) -> LoadResult:
    """Read and check a questionnaire file; raise DefinitionErrors listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DefinitionErrors(
            [DefinitionError(str(path), None, "the file is not UTF-8 text")]
        ) from None
    except OSError as exc:
        raise DefinitionErrors(
            [DefinitionError(str(path), None, f"cannot read the file: {exc.strerror}")]
        ) from None
    return load_text(text, str(path))


def load_text(text: str, filename: str = "<questionnaire>") -> LoadResult:
    """Parse and check YAML text; raise DefinitionErrors listing every problem."""
    try:
        raw = parse(text)
    except SourceError as exc:
        raise DefinitionErrors([DefinitionError(filename, exc.line, exc.message)]) from None
    questionnaire = _Builder(filename).build(raw)
    definition = json.loads(json.dumps(raw, default=str))
    return LoadResult(questionnaire, definition, content_hash(definition))


def from_definition(definition: dict[str, Any]) -> Questionnaire:
    """Rebuild the model from a stored (already checked) definition."""
    return _Builder("<stored definition>").build(definition)


# --------------------------------------------------------------------------- builder


@dataclass
class _Scope:
    """What conditions may refer to at a given point of the file."""

    declared: dict[tuple[str, str], tuple[Question, Section]] = field(default_factory=dict)
    all_questions: dict[tuple[str, str], int | None] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)


class _Builder:
    def __init__(self, filename: str) -> None:
        self.file = filename
        self.errors: list[DefinitionError] = []
        self.languages: tuple[str, ...] = ("nl",)

    # ----------------------------------------------------------------- helpers

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(DefinitionError(self.file, line, message))

    def mapping(self, value: Any, line: int | None, what: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(line, f"{what} must be a mapping of keys to values, not {_kind(value)}")
            return None
        return value

    def keys(self, data: dict[str, Any], allowed: set[str], what: str, hint: str = "") -> None:
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(
                    line_of(data, key),
                    f"{what}: unknown key '{key}'{hint} (allowed here: {known})",
                )

    def text(self, data: dict[str, Any], key: str, what: str, required: bool = True) -> Text | None:
        line = line_of(data, key)
        if key not in data or data[key] is None:
            if required:
                self.error(getattr(data, "line", None), f"{what}: '{key}' is missing")
            return None
        value = data[key]
        default = self.languages[0]
        if isinstance(value, str):
            if not value.strip() and required:
                self.error(line, f"{what}: '{key}' is empty")
            return Text({default: value}, default)
        if isinstance(value, dict):
            texts: dict[str, str] = {}
            for lang, translated in value.items():
                if lang not in self.languages:
                    self.error(
                        line_of(value, lang),
                        f"{what}: '{key}' has text in '{lang}', which is not among "
                        f"the questionnaire's languages ({', '.join(self.languages)})",
                    )
                elif not isinstance(translated, str):
                    self.error(line_of(value, lang), f"{what}: '{key}.{lang}' must be text")
                else:
                    texts[lang] = translated
            if default not in texts or not texts[default].strip():
                self.error(line, f"{what}: '{key}' has no text in the default language '{default}'")
                return None
            return Text(texts, default)
        self.error(line, f"{what}: '{key}' must be text or a mapping of language to text")
        return None

    def flag(self, data: dict[str, Any], key: str, what: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.error(line_of(data, key), f"{what}: '{key}' must be true or false")
            return False
        return value

    def number(self, data: dict[str, Any], key: str, what: str, integer: bool = False) -> Any:
        if key not in data:
            return None
        value = data[key]
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            kind = "a whole number" if integer else "a number"
            self.error(line_of(data, key), f"{what}: '{key}' must be {kind}")
            return None
        return value

    def identifier(self, data: dict[str, Any], what: str) -> str | None:
        value = data.get("id")
        if value is None:
            self.error(getattr(data, "line", None), f"{what}: 'id' is missing")
            return None
        if not isinstance(value, str) or not IDENT.match(value):
            self.error(
                line_of(data, "id"),
                f"{what}: id {value!r} must start with a lowercase letter and hold only "
                "lowercase letters, digits and '_'",
            )
            return None
        return value

    # ----------------------------------------------------------------- top level

    def build(self, raw: Any) -> Questionnaire:
        top = self.mapping(raw, getattr(raw, "line", 1), "the questionnaire")
        if top is None:
            raise DefinitionErrors(self.errors)
        self.keys(top, TOP_KEYS, "questionnaire")
        self._languages(top)

        qid = top.get("id")
        if not isinstance(qid, str) or not SLUG.match(qid):
            self.error(
                line_of(top, "id") if "id" in top else top.line if hasattr(top, "line") else 1,
                "questionnaire: 'id' must be a slug such as plan-samenleven-2025 "
                "(lowercase letters, digits and '-')"
                if "id" in top
                else "questionnaire: 'id' is missing",
            )
        version = top.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.error(
                line_of(top, "version") if "version" in top else getattr(top, "line", 1),
                "questionnaire: 'version' must be a whole number of 1 or more"
                if "version" in top
                else "questionnaire: 'version' is missing",
            )
        title = self.text(top, "title", "questionnaire")
        intro = self.text(top, "intro", "questionnaire", required=False)
        choice_lists = self._choice_lists(top)
        catalogues = self._catalogues(top)
        for name in set(choice_lists) & set(catalogues):
            self.error(
                line_of(top.get("items"), name),
                f"'{name}' is both a choice list and an items catalogue; rename one",
            )
        sections = self._sections(top, choice_lists, catalogues)

        if self.errors:
            raise DefinitionErrors(self.errors)
        assert title is not None
        return Questionnaire(
            id=qid,
            version=version,
            title=title,
            intro=intro,
            languages=self.languages,
            choice_lists=choice_lists,
            catalogues=catalogues,
            sections=tuple(sections),
        )

    def _languages(self, top: dict[str, Any]) -> None:
        value = top.get("languages", ["nl"])
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and LANGUAGE.match(v) for v in value)
        ):
            self.error(
                line_of(top, "languages"),
                "questionnaire: 'languages' must be a list of two-letter codes, "
                "the default first, e.g. [nl, en]",
            )
            return
        if len(set(value)) != len(value):
            self.error(line_of(top, "languages"), "questionnaire: a language is listed twice")
        self.languages = tuple(value)

    def _choice(self, raw: Any, line: int | None, what: str) -> Choice | None:
        data = self.mapping(raw, line, what)
        if data is None:
            return None
        self.keys(data, {"value", "label"}, what)
        value = data.get("value")
        if isinstance(value, bool) or not (
            (isinstance(value, str) and VALUE.match(value)) or isinstance(value, int)
        ):
            self.error(
                line_of(data, "value") if "value" in data else line,
                f"{what}: 'value' must be a whole number or a short code of letters, "
                f"digits, '_' and '-' (found {value!r})"
                if "value" in data
                else f"{what}: 'value' is missing",
            )
            return None
        label = self.text(data, "label", f"{what} ({value})")
        return Choice(value, label) if label else None

    def _choices(self, raw: Any, line: int | None, what: str) -> tuple[Choice, ...]:
        if not isinstance(raw, list) or not raw:
            self.error(line, f"{what}: must be a non-empty list of choices with value and label")
            return ()
        choices: list[Choice] = []
        seen: set[Any] = set()
        for index, entry in enumerate(raw):
            entry_line = line_of(raw, index)
            choice = self._choice(entry, entry_line, f"{what}, choice {index + 1}")
            if choice is None:
                continue
            if choice.value in seen:
                self.error(entry_line, f"{what}: value {choice.value!r} appears twice")
                continue
            seen.add(choice.value)
            choices.append(choice)
        return tuple(choices)

    def _choice_lists(self, top: dict[str, Any]) -> dict[str, tuple[Choice, ...]]:
        raw = top.get("choice_lists", {})
        data = self.mapping(raw, line_of(top, "choice_lists"), "choice_lists")
        result: dict[str, tuple[Choice, ...]] = {}
        for name, entries in (data or {}).items():
            if not IDENT.match(name):
                self.error(line_of(data, name), f"choice list name '{name}' is not a valid id")
            result[name] = self._choices(entries, line_of(data, name), f"choice list '{name}'")
        return result

    def _catalogues(self, top: dict[str, Any]) -> dict[str, Catalogue]:
        raw = top.get("items", {})
        data = self.mapping(raw, line_of(top, "items"), "items")
        result: dict[str, Catalogue] = {}
        for name, entries in (data or {}).items():
            what = f"items catalogue '{name}'"
            if not IDENT.match(name):
                self.error(line_of(data, name), f"{what}: name is not a valid id")
            if not isinstance(entries, list) or not entries:
                self.error(line_of(data, name), f"{what}: must be a non-empty list of entries")
                continue
            items: list[CatalogueItem] = []
            seen: set[str] = set()
            for index, entry in enumerate(entries):
                line = line_of(entries, index)
                entry_map = self.mapping(entry, line, f"{what}, entry {index + 1}")
                if entry_map is None:
                    continue
                self.keys(entry_map, {"code", "title", "surveyed"}, f"{what}, entry {index + 1}")
                code = entry_map.get("code")
                if isinstance(code, int) and not isinstance(code, bool):
                    code = str(code)
                if not isinstance(code, str) or not VALUE.match(code):
                    self.error(
                        line,
                        f"{what}, entry {index + 1}: 'code' must be a number or a short "
                        "code of letters, digits, '_' and '-'",
                    )
                    continue
                if code in seen:
                    self.error(line, f"{what}: code '{code}' appears twice")
                    continue
                seen.add(code)
                title = self.text(entry_map, "title", f"{what}, entry '{code}'")
                surveyed = (
                    self.flag(entry_map, "surveyed", f"{what}, entry '{code}'")
                    if ("surveyed" in entry_map)
                    else True
                )
                if title:
                    items.append(CatalogueItem(code, title, surveyed))
            result[name] = Catalogue(name, tuple(items))
        return result

    # ----------------------------------------------------------------- sections

    def _sections(
        self,
        top: dict[str, Any],
        choice_lists: dict[str, tuple[Choice, ...]],
        catalogues: dict[str, Catalogue],
    ) -> list[Section]:
        raw = top.get("sections")
        if not isinstance(raw, list) or not raw:
            self.error(
                line_of(top, "sections") if "sections" in top else getattr(top, "line", 1),
                "questionnaire: 'sections' must be a non-empty list of sections",
            )
            return []
        scope = _Scope()
        # Index every question first, so a reference to a later one can be named as such.
        for section in raw:
            if isinstance(section, dict) and isinstance(section.get("id"), str):
                scope.sections[section["id"]] = section
                for question in section.get("questions") or []:
                    if isinstance(question, dict) and isinstance(question.get("id"), str):
                        scope.all_questions[(section["id"], question["id"])] = None

        sections: list[Section] = []
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            line = line_of(raw, index)
            data = self.mapping(entry, line, f"section {index + 1}")
            if data is None:
                continue
            sid = self.identifier(data, f"section {index + 1}")
            what = f"section '{sid}'" if sid else f"section {index + 1}"
            self.keys(data, SECTION_KEYS, what)
            if sid is not None and sid in seen:
                self.error(line_of(data, "id"), f"{what}: a section with this id already exists")
            if sid is not None:
                seen.add(sid)
            repeat = self._repeat_for(data, what, catalogues, scope)
            title = self.text(data, "title", what)
            intro = self.text(data, "intro", what, required=False)
            for text_key in ("title", "intro"):
                self._placeholders(data, text_key, what, repeat is not None)
            section_stub = Section(
                id=sid or f"#{index + 1}", title=title or _blank(self), repeat_for=repeat
            )
            relevant = self._condition(data, what, scope, section_stub)
            questions = self._questions(data, what, section_stub, choice_lists, catalogues, scope)
            section = Section(
                id=section_stub.id,
                title=section_stub.title,
                intro=intro,
                relevant=relevant,
                repeat_for=repeat,
                questions=tuple(questions),
            )
            for question in questions:
                scope.declared[(section.id, question.id)] = (question, section)
            sections.append(section)
        return sections

    def _repeat_for(
        self,
        data: dict[str, Any],
        what: str,
        catalogues: dict[str, Catalogue],
        scope: _Scope,
    ) -> RepeatSource | None:
        if "repeat_for" not in data:
            return None
        value = data["repeat_for"]
        line = line_of(data, "repeat_for")
        if isinstance(value, str) and value in catalogues:
            return RepeatSource(catalogue=value)
        if isinstance(value, str) and value.startswith("q."):
            parts = value.split(".")
            if len(parts) == 3:
                key = (parts[1], parts[2])
                found = scope.declared.get(key)
                if found is None:
                    later = key in scope.all_questions
                    self.error(
                        line,
                        f"{what}: repeat_for '{value}' refers to a "
                        + (
                            "later question; it must come before this section"
                            if later
                            else "question that does not exist"
                        ),
                    )
                    return None
                question, source_section = found
                if question.type != "multiple_choice":
                    self.error(
                        line,
                        f"{what}: repeat_for '{value}' must name a multiple_choice question, "
                        f"not a {question.type} question",
                    )
                    return None
                if source_section.repeat_for is not None:
                    self.error(
                        line, f"{what}: repeat_for '{value}' is itself inside a repeated section"
                    )
                    return None
                return RepeatSource(question=key)
        known = ", ".join(sorted(catalogues)) or "none defined"
        self.error(
            line,
            f"{what}: repeat_for must name an items catalogue ({known}) or an earlier "
            f"multiple-choice question as q.<section>.<question>, not {value!r}",
        )
        return None

    def _placeholders(self, data: dict[str, Any], key: str, what: str, repeated: bool) -> None:
        value = data.get(key)
        texts = (
            [value]
            if isinstance(value, str)
            else list(value.values())
            if isinstance(value, dict)
            else []
        )
        for text in texts:
            if not isinstance(text, str):
                continue
            for placeholder in PLACEHOLDER.findall(text):
                if placeholder not in {"item.code", "item.title"}:
                    if placeholder.startswith("item"):
                        self.error(
                            line_of(data, key),
                            f"{what}: unknown placeholder '{{{placeholder}}}' in '{key}'; "
                            "use {item.code} or {item.title}",
                        )
                elif not repeated:
                    self.error(
                        line_of(data, key),
                        f"{what}: '{key}' uses {{{placeholder}}}, which only exists in a "
                        "section with repeat_for",
                    )

    # ----------------------------------------------------------------- questions

    def _questions(
        self,
        data: dict[str, Any],
        what: str,
        section: Section,
        choice_lists: dict[str, tuple[Choice, ...]],
        catalogues: dict[str, Catalogue],
        scope: _Scope,
    ) -> list[Question]:
        raw = data.get("questions")
        if not isinstance(raw, list) or not raw:
            self.error(
                line_of(data, "questions") if "questions" in data else getattr(data, "line", None),
                f"{what}: 'questions' must be a non-empty list",
            )
            return []
        questions: list[Question] = []
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            line = line_of(raw, index)
            qdata = self.mapping(entry, line, f"{what}, question {index + 1}")
            if qdata is None:
                continue
            qid = self.identifier(qdata, f"{what}, question {index + 1}")
            qwhat = f"{what}, question '{qid}'" if qid else f"{what}, question {index + 1}"
            if qid is not None and qid in seen:
                self.error(line_of(qdata, "id"), f"{qwhat}: id already used in this section")
                qid = None
            if qid is not None:
                seen.add(qid)
            question = self._question(qdata, qwhat, section, choice_lists, catalogues, scope)
            if question is not None and qid is not None:
                questions.append(question)
                scope.declared[(section.id, qid)] = (question, section)
        return questions

    def _question(
        self,
        data: dict[str, Any],
        what: str,
        section: Section,
        choice_lists: dict[str, tuple[Choice, ...]],
        catalogues: dict[str, Catalogue],
        scope: _Scope,
    ) -> Question | None:
        qtype = data.get("type")
        if qtype not in TYPE_KEYS:
            self.error(
                line_of(data, "type") if "type" in data else getattr(data, "line", None),
                f"{what}: unknown type {qtype!r} (types: {', '.join(TYPE_KEYS)})"
                if "type" in data
                else f"{what}: 'type' is missing",
            )
            return None
        allowed = NOTE_KEYS if qtype == "note" else COMMON_KEYS | TYPE_KEYS[qtype]
        self.keys(data, allowed, what, hint=f" for a {qtype} question")
        repeated = section.repeat_for is not None
        for key in ("label", "help"):
            self._placeholders(data, key, what, repeated)

        label = self.text(data, "label", what)
        help_ = self.text(data, "help", what, required=False)
        required = self.flag(data, "required", what)
        relevant = self._condition(data, what, scope, section)
        fields: dict[str, Any] = {}

        if qtype in {"single_choice", "multiple_choice", "scale", "matrix"}:
            fields.update(self._question_choices(data, what, qtype, choice_lists, catalogues))
        if "other" in data:
            other = data["other"]
            if other is True:
                fields["other"] = self._other_label()
            elif isinstance(other, str | dict):
                fields["other"] = self.text(data, "other", what)
            elif other is not False:
                self.error(line_of(data, "other"), f"{what}: 'other' must be true or a label")
            if fields.get("other") and any(
                c.value in RESERVED_VALUES for c in fields.get("choices", ())
            ):
                self.error(
                    line_of(data, "other"),
                    f"{what}: with 'other', no choice may have the value "
                    f"'{OTHER_VALUE}' or '{OTHER_TEXT}'",
                )
        if qtype in {"text", "textarea"} and "max_length" in data:
            max_length = self.number(data, "max_length", what, integer=True)
            if max_length is not None and not 1 <= max_length <= MAX_TEXT:
                self.error(line_of(data, "max_length"), f"{what}: 'max_length' must be 1 to "
                           f"{MAX_TEXT} (what one Excel cell holds)")  # fmt: skip
            fields["max_length"] = max_length
        if qtype == "number":
            fields["integer"] = self.flag(data, "integer", what)
            fields["min"] = self.number(data, "min", what, integer=fields["integer"])
            fields["max"] = self.number(data, "max", what, integer=fields["integer"])
        if qtype == "multiple_choice":
            fields["min"] = self.number(data, "min", what, integer=True)
            fields["max"] = self.number(data, "max", what, integer=True)
            options = len(fields.get("choices", ())) + (1 if fields.get("other") else 0)
            for key in ("min", "max"):
                value = fields[key]
                if value is not None and not 0 <= value <= options:
                    self.error(
                        line_of(data, key),
                        f"{what}: '{key}' must be between 0 and the {options} options",
                    )
        if qtype == "date":
            for key in ("min", "max"):
                value = data.get(key)
                if value is not None and not (
                    isinstance(value, str) and conditions._is_date(value)
                ):
                    self.error(line_of(data, key), f"{what}: '{key}' must be a date as YYYY-MM-DD")
                    value = None
                fields[key] = value
        if fields.get("min") is not None and fields.get("max") is not None:
            if fields["min"] > fields["max"]:
                self.error(line_of(data, "min"), f"{what}: 'min' is larger than 'max'")
        if qtype == "matrix":
            fields["rows"] = self._rows(data, what)
        if qtype == "note" and "required" in data:
            self.error(line_of(data, "required"), f"{what}: a note cannot be required")

        prefill = self._prefill(data, what, qtype, fields.get("choices_source"), catalogues)
        if "identifying" in data:
            fields["identifying"] = self.flag(data, "identifying", what)
        else:
            fields["identifying"] = qtype == "email" or prefill in IDENTIFYING_PREFILLS
        if label is None:
            return None
        return Question(
            id=data["id"],
            type=qtype,
            label=label,
            help=help_,
            required=required,
            relevant=relevant,
            prefill=prefill,
            **fields,
        )

    def _other_label(self) -> Text:
        texts = {lang: OTHER_LABELS.get(lang, "Other") for lang in self.languages}
        return Text(texts, self.languages[0])

    def _question_choices(
        self,
        data: dict[str, Any],
        what: str,
        qtype: str,
        choice_lists: dict[str, tuple[Choice, ...]],
        catalogues: dict[str, Catalogue],
    ) -> dict[str, Any]:
        if "choices" not in data:
            self.error(getattr(data, "line", None), f"{what}: a {qtype} question needs 'choices'")
            return {}
        raw = data["choices"]
        line = line_of(data, "choices")
        surveyed_only = self.flag(data, "surveyed_only", what)
        if surveyed_only and not (isinstance(raw, str) and raw in catalogues):
            self.error(
                line_of(data, "surveyed_only"),
                f"{what}: 'surveyed_only' needs choices taken from an items catalogue",
            )
        if isinstance(raw, str):
            if raw in choice_lists:
                choices = choice_lists[raw]
            elif raw in catalogues:
                entries = catalogues[raw].surveyed if surveyed_only else catalogues[raw].items
                choices = tuple(Choice(item.code, item.title) for item in entries)
            else:
                known = ", ".join(sorted([*choice_lists, *catalogues])) or "none defined"
                self.error(
                    line,
                    f"{what}: unknown choice list '{raw}' (choice lists and items "
                    f"catalogues: {known})",
                )
                return {}
            source: str | None = raw
        else:
            choices = self._choices(raw, line, f"{what}, choices")
            source = None
        if qtype == "scale" and len(choices) < 2:
            self.error(line, f"{what}: a scale needs at least two choices")
        return {"choices": choices, "choices_source": source}

    def _rows(self, data: dict[str, Any], what: str) -> tuple[MatrixRow, ...]:
        raw = data.get("rows")
        line = line_of(data, "rows") if "rows" in data else getattr(data, "line", None)
        if not isinstance(raw, list) or not raw:
            self.error(
                line, f"{what}: a matrix needs 'rows', a list of sub-questions with id and label"
            )
            return ()
        rows: list[MatrixRow] = []
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            row_data = self.mapping(entry, line_of(raw, index), f"{what}, row {index + 1}")
            if row_data is None:
                continue
            self.keys(row_data, {"id", "label"}, f"{what}, row {index + 1}")
            rid = self.identifier(row_data, f"{what}, row {index + 1}")
            if rid is None:
                continue
            if rid in seen:
                self.error(line_of(row_data, "id"), f"{what}: row id '{rid}' appears twice")
                continue
            seen.add(rid)
            label = self.text(row_data, "label", f"{what}, row '{rid}'")
            if label:
                rows.append(MatrixRow(rid, label))
        return tuple(rows)

    def _prefill(
        self,
        data: dict[str, Any],
        what: str,
        qtype: str,
        choices_source: str | None,
        catalogues: dict[str, Catalogue],
    ) -> str | None:
        if "prefill" not in data:
            return None
        value = data["prefill"]
        line = line_of(data, "prefill")
        if isinstance(value, str) and value.startswith("respondent.items."):
            catalogue = value.removeprefix("respondent.items.")
            if catalogue not in catalogues:
                self.error(line, f"{what}: prefill '{value}': no items catalogue '{catalogue}'")
                return None
            if qtype != "multiple_choice" or choices_source != catalogue:
                self.error(
                    line,
                    f"{what}: prefill '{value}' needs a multiple_choice question with "
                    f"choices: {catalogue}",
                )
                return None
            return value
        if isinstance(value, str) and value in PREFILL_SOURCES:
            if qtype not in PREFILL_SOURCES[value]:
                types = ", ".join(sorted(PREFILL_SOURCES[value]))
                self.error(line, f"{what}: prefill '{value}' fits only a {types} question")
                return None
            return value
        sources = ", ".join([*PREFILL_SOURCES, "respondent.items.<catalogue>"])
        self.error(line, f"{what}: unknown prefill {value!r} (possible: {sources})")
        return None

    # ----------------------------------------------------------------- conditions

    def _condition(
        self, data: dict[str, Any], what: str, scope: _Scope, section: Section
    ) -> conditions.Node | None:
        if "relevant" not in data:
            return None
        source = data["relevant"]
        line = line_of(data, "relevant")
        if not isinstance(source, str):
            self.error(line, f"{what}: 'relevant' must be a condition written as text")
            return None
        try:
            node = conditions.parse(source)
            conditions.check(node, lambda name: self._resolve(name, scope, section))
        except ConditionError as exc:
            column = f" (column {exc.column})" if exc.column else ""
            self.error(line, f"{what}: relevant: {exc.message}{column}")
            return None
        return node

    def _resolve(self, name: Name, scope: _Scope, section: Section) -> Reference:
        parts = name.parts
        text = name.text
        if parts[0] == "q":
            if len(parts) not in (3, 4):
                raise ConditionError(
                    f"'{text}': write q.<section>.<question> (or q.<section>.<matrix>.<row>)",
                    name.column,
                )
            key = (parts[1], parts[2])
            found = scope.declared.get(key)
            if found is None:
                if key in scope.all_questions:
                    raise ConditionError(
                        f"'{text}' refers to a later question; conditions may only use "
                        "questions asked before",
                        name.column,
                    )
                if parts[1] not in scope.sections:
                    raise ConditionError(f"'{text}': there is no section '{parts[1]}'", name.column)
                raise ConditionError(
                    f"'{text}': section '{parts[1]}' has no question '{parts[2]}'", name.column
                )
            question, source_section = found
            if source_section.repeat_for is not None and source_section.id != section.id:
                raise ConditionError(
                    f"'{text}' is asked once per item of section '{source_section.id}'; it "
                    "can only be used inside that section",
                    name.column,
                )
            return _question_reference(question, parts, name)
        if parts[0] == "item":
            if section.repeat_for is None:
                raise ConditionError(
                    f"'{text}' only exists in a section with repeat_for", name.column
                )
            if text == "item.code":
                return Reference("text", None)
            if text == "item.title":
                return Reference("text", None)
            raise ConditionError(f"'{text}': use item.code or item.title", name.column)
        if text == "respondent.kind":
            return Reference("text", frozenset(KINDS))
        if text == "respondent.province":
            return Reference("text", frozenset(PROVINCES))
        raise ConditionError(
            f"unknown name '{text}'; names are q.<section>.<question>, item.code, item.title, "
            "respondent.kind and respondent.province",
            name.column,
        )


def _question_reference(question: Question, parts: tuple[str, ...], name: Name) -> Reference:
    qtype = question.type
    if qtype == "matrix":
        if len(parts) != 4:
            rows = ", ".join(r.id for r in question.rows)
            raise ConditionError(
                f"'{name.text}' is a matrix; name one of its rows ({rows}) as {name.text}.<row>",
                name.column,
            )
        if not any(r.id == parts[3] for r in question.rows):
            raise ConditionError(f"'{name.text}': the matrix has no row '{parts[3]}'", name.column)
        return _choice_reference(question)
    if len(parts) == 4:
        raise ConditionError(f"'{name.text}': only matrix questions have rows", name.column)
    if qtype == "note":
        raise ConditionError(f"'{name.text}' is a note; it has no answer", name.column)
    if qtype == "multiple_choice":
        values = frozenset(question.choice_values) | (
            {OTHER_VALUE} if question.other else frozenset()
        )
        return Reference("list", values)
    if qtype in {"single_choice", "scale"}:
        return _choice_reference(question)
    if qtype == "number":
        return Reference("number", None, ordered=True)
    if qtype == "date":
        return Reference("date", None, ordered=True)
    return Reference("text", None)


def _choice_reference(question: Question) -> Reference:
    values = frozenset(question.choice_values) | ({OTHER_VALUE} if question.other else frozenset())
    numeric = all(isinstance(v, int) for v in question.choice_values)
    return Reference("number" if numeric else "text", values, ordered=numeric)


def _blank(builder: _Builder) -> Text:
    return Text({builder.languages[0]: ""}, builder.languages[0])


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return f"the number {value}"
    return type(value).__name__
