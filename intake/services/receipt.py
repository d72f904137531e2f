"""The receipt of a submission: a copy of every answer, mailed to the respondent's contacts.

``send_receipt`` runs after the submission is committed and never raises: a receipt that
cannot be sent (no mail server, a refused address) is logged for the admins, and the
submission stands. The copy's text comes from ``templates/mail/receipt.txt``; the
transport and the address checks are those of the invitations (``services.mailing``).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import format_datetime

from intake.models import Respondent
from intake.questionnaire.types import answer_keys, describe
from intake.services.mailing import address, open_transport
from intake.services.response_state import ResponseState, load_state

TEMPLATE = "mail/receipt.txt"
WIDTH = 72


@dataclass(frozen=True)
class CopiedAnswer:
    label: str
    answer: str  # as a reader sees it; "" when not answered


@dataclass(frozen=True)
class CopiedPage:
    title: str
    answers: list[CopiedAnswer]


def answer_copy(state: ResponseState, language: str | None = None) -> list[CopiedPage]:
    """Every page that applies, with each visible question and its answer as shown."""
    copy: list[CopiedPage] = []
    for page in state.pages():
        answers: list[CopiedAnswer] = []
        for question in state.visible(page):
            keys = answer_keys(question)
            if not keys:
                continue
            parts: list[str] = []
            for key in keys:
                stored = state.stored(page.section.id, page.item_key, key)
                if stored is None or stored.is_empty:
                    continue
                if key != question.id:  # a further answer, such as the text of "other"
                    parts.append(str(stored.value or stored.raw or ""))
                elif stored.is_valid:
                    parts.append(describe(question, stored.value, language))
                else:
                    parts.append(stored.raw or "")
            answers.append(CopiedAnswer(page.text(question.label, language), " – ".join(parts)))
        copy.append(CopiedPage(page.title(language), answers))
    return copy


def wrap(text: str, indent: str = "") -> str:
    """A text wrapped for a plain-text mail, each paragraph on its own."""
    return "\n".join(
        textwrap.fill(line, WIDTH, initial_indent=indent, subsequent_indent=indent) or indent
        for line in text.splitlines() or [""]
    )


def compose(state: ResponseState, recipients: list[Address], language: str) -> EmailMessage:
    """The receipt mail of a submitted response."""
    assert state.respondent is not None and state.response is not None
    respondent = state.respondent
    rendered = render_template(
        TEMPLATE,
        respondent=respondent,
        questionnaire_title=state.questionnaire.title.get(language),
        submitted_at=format_datetime(state.response.submitted_at, "d/MM/yyyy 'om' HH:mm"),
        pages=answer_copy(state, language),
        wrap=wrap,
    ).lstrip()
    first, _, body = rendered.partition("\n")
    if not first.startswith("Onderwerp:"):
        raise ValueError(f"{TEMPLATE} must start with a line 'Onderwerp: ...'")
    message = EmailMessage()
    message["Subject"] = first.removeprefix("Onderwerp:").strip()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = recipients
    message["Message-ID"] = make_msgid(domain="intake.vvsg.be")
    message.set_content(body.lstrip("\n"))
    return message


def send_receipt(respondent: Respondent, language: str = "nl") -> bool:
    """Mail the copy of a submitted response to its contacts; True when it went out.

    Never raises: the submission is done whatever happens here, so a failure is
    logged (with the respondent's code and the reason) for the admins to follow up.
    """
    code = respondent.code
    try:
        state = load_state(respondent)
        if not state.is_submitted:
            return False
        with open_transport() as transport:
            recipients: list[Address] = []
            for contact in respondent.contacts:
                found = address(contact.name, contact.email, transport.smtputf8)
                if isinstance(found, str):
                    current_app.logger.warning("Receipt for %s: skipped %s", code, found)
                else:
                    recipients.append(found)
            if not recipients:
                current_app.logger.error("Receipt for %s not sent: no usable address", code)
                return False
            message = compose(state, recipients, language)
            stamp = format_datetime(format="yyyyMMdd'T'HHmmss")
            refused = transport.deliver(message, f"{stamp}-{code}-receipt")
        for recipient, (status, text) in refused.items():
            current_app.logger.warning(
                "Receipt for %s: %s refused by the mail server (%s %r)", code, recipient,
                status, text,
            )  # fmt: skip
        return len(refused) < len(recipients)
    except Exception:
        current_app.logger.exception(
            "Receipt for %s not sent; the submission stands and was not affected", code
        )
        return False
