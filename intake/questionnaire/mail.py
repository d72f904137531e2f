"""Mail texts of a questionnaire: the ``mail:`` block (checked here), its Jinja fields,
and how a text is rendered and wrapped.

A text is a Jinja template over ``FIELDS`` only, rendered in a sandbox (no attribute of
anything else can be reached) with undefined fields refused. The same rendering serves
the app's default texts (``templates/mail/*.txt``). Wrapping: every line is a paragraph
(or a list item), wrapped at ``WIDTH`` characters between words after the fields are
filled in, so a long name never leaves a ragged line; a URL is never broken.
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from intake.questionnaire.model import MailSettings, MailText, Text
from intake.questionnaire.schema import (
    INVALID,
    Check,
    Context,
    JsonSchema,
    Key,
    Keys,
    TextCheck,
    Where,
    WholeCheck,
    object_schema,
    read,
)
from intake.questionnaire.source import line_of

WIDTH = 72
FIELDS = {
    "greeting": "the contacts' names ('Ann Peeters en Bart Claes'), or 'collega'",
    "name": "the respondent's name, e.g. Stad Noordhaven",
    "code": "the respondent's code in the registry",
    "title": "the questionnaire's title",
    "link": "the personal link (a fresh one in every mail)",
    "deadline": "the date answers are due, e.g. '30 juni 2025'; empty when there is none",
    "started": "true when the respondent has started answering",
}
LIST_ITEM = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+)")

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                            keep_trailing_newline=True)  # fmt: skip


def uses(source: str) -> set[str]:
    """The fields a (valid) template uses."""
    return meta.find_undeclared_variables(_ENV.parse(source))


def problem(source: str) -> str | None:
    """What is wrong with a mail template (syntax, or a field that does not exist), or None."""
    try:
        used = uses(source)
    except TemplateSyntaxError as exc:
        return f"is not a valid template: {exc.message} (line {exc.lineno} of the text)"
    unknown = sorted(used - set(FIELDS))
    if unknown:
        return (f"uses unknown field(s) {', '.join(unknown)} "
                f"(fields: {', '.join(FIELDS)})")  # fmt: skip
    return None


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)


def render(source: str, fields: dict[str, Any]) -> str:
    """A template filled in with ``fields`` (which must hold every name of ``FIELDS``);
    compiled once per text, as a batch renders the same text thousands of times."""
    return _compiled(source).render(**fields)


def wrap(text: str, width: int = WIDTH) -> str:
    """Every line wrapped at ``width`` between words (URLs and long words stay whole);
    a list item's next lines are indented under its text."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.rstrip()
        if len(line) <= width:
            out.append(line)
            continue
        marker = LIST_ITEM.match(line)
        indent = re.match(r"\s*", line).group()  # type: ignore[union-attr]
        hanging = " " * len(marker.group(1)) if marker else indent
        out += textwrap.wrap(line, width, initial_indent="", subsequent_indent=hanging,
                             break_long_words=False, break_on_hyphens=False,
                             drop_whitespace=True) or [""]  # fmt: skip
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


class TemplateCheck(TextCheck):
    """A text (per language) that is also a valid mail template over ``FIELDS``."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        text = super().read(ctx, value, at)
        if text is INVALID:
            return INVALID
        for language, source in text.values.items():
            wrong = problem(source)
            if wrong:
                where = at.key if len(text.values) == 1 else f"{at.key}.{language}"
                ctx.error("E-MAIL-TEMPLATE", at.line, f"{at.what}: '{where}' {wrong}")
                return INVALID
        return text


MAIL_TEXT_KEYS = Keys(
    Key("subject", TemplateCheck(), "the subject line; may use the fields of the body",
        required=True),
    Key("body", TemplateCheck(), "the text; Jinja fields: " + "; ".join(
        f"{{{{ {name} }}}}: {doc}" for name, doc in FIELDS.items())
        + ". Write each paragraph on one line (use '|'): lines are wrapped at 72 "
        "characters after the fields are filled in", required=True),
)  # fmt: skip


class MailTextCheck(Check):
    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        node = read(ctx, value, MAIL_TEXT_KEYS, f"mail: {at.key}", line=at.line)
        if node is None or not {"subject", "body"} <= set(node.values):
            return INVALID
        body: Text = node.values["body"]
        if not all("deadline" in uses(source) for source in body.values.values()):
            ctx.error("E-MAIL-TEMPLATE", line_of(value, "body"), f"{node.what}: 'body' must "
                      "show the deadline, e.g. '{% if deadline %}Vul de vragenlijst in tegen "
                      "{{ deadline }}.{% endif %}'")  # fmt: skip
            return INVALID
        return MailText(node.values["subject"], body)

    def schema(self) -> JsonSchema:
        return object_schema(MAIL_TEXT_KEYS)


class DaysListCheck(Check):
    """Distinct whole numbers of days, 1 to 365, e.g. [7, 3]."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 365 for v in value
        ):
            ctx.error("E-VALUE", at.line, at.says("must be a list of whole numbers of days, "
                                                  "1 to 365, e.g. [7, 3]"))  # fmt: skip
            return INVALID
        if len(set(value)) != len(value):
            ctx.error("E-DUPLICATE-VALUE", at.line, at.says("lists a day twice"))
            return INVALID
        return tuple(sorted(value, reverse=True))

    def schema(self) -> JsonSchema:
        return {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 365},
                "uniqueItems": True}  # fmt: skip


MAIL_KEYS = Keys(
    Key("invitation", MailTextCheck(), "the invitation's subject and body (default: the "
        "app's neutral text, templates/mail/invitation.txt)"),
    Key("reminder", MailTextCheck(), "the reminder's subject and body (default: "
        "templates/mail/reminder.txt)"),
    Key("remind_after", WholeCheck(1, 60), "days: a reminder goes only to respondents "
        "invited at least this long ago and not reminded within it (default: the app's "
        "MAIL_REMIND_AFTER_DAYS, 3)"),
    Key("reminders_before_deadline", DaysListCheck(), "scheduled reminders, sent by the "
        "worker this many days before the deadline, e.g. [7, 3]"),
)  # fmt: skip


class MailCheck(Check):
    """The ``mail:`` block of a questionnaire."""

    def read(self, ctx: Context, value: Any, at: Where) -> Any:
        node = read(ctx, value, MAIL_KEYS, "mail", line=line_of(at.data, at.key))
        if node is None:
            return INVALID
        return MailSettings(
            invitation=node.values.get("invitation"),
            reminder=node.values.get("reminder"),
            remind_after=node.values.get("remind_after"),
            reminders_before_deadline=node.values.get("reminders_before_deadline", ()),
        )

    def schema(self) -> JsonSchema:
        return object_schema(MAIL_KEYS)
