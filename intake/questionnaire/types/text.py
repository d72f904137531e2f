"""Open questions: one line of text, several lines, and an e-mail address."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from intake.questionnaire.model import Question
from intake.questionnaire.types.base import QuestionType
from intake.questionnaire.values import N_, Parsed, Posted, Problem, clean_text, one, parse_text

BAD_EMAIL = N_("Vul een geldig e-mailadres in, zoals naam@gemeente.be.")


class TextType(QuestionType):
    """One line; ``max_length`` bounds it. Its answers are quotable in the export."""

    name = "text"
    prefill_sources = frozenset(
        {"respondent.name", "respondent.kind", "respondent.province", "respondent.contact.name",
         "respondent.contact.email"}
    )  # fmt: skip

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        return parse_text(one(posted), question.max_length)


class TextareaType(TextType):
    """Several lines."""

    name = "textarea"
    prefill_sources = frozenset({"respondent.name"})


class EmailType(QuestionType):
    """An e-mail address, stored normalised; it identifies the respondent by default."""

    name = "email"
    identifying = True
    prefill_sources = frozenset({"respondent.contact.email"})

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        text = clean_text(one(posted))
        if not text:
            return Parsed()
        try:
            valid = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return Parsed(raw=text, problem=Problem("bad_email", template=BAD_EMAIL))
        return Parsed(valid.normalized)
