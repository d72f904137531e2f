"""The resume link an open-link respondent asks for, mailed by a background job
(``jobs.resume``) through the transport of the invitations (``services.mailing``).

The address the respondent typed serves this one mail: it is read from the respondent,
deleted once the mail went out (or could never go out), and the mail log keeps it
masked. A response submitted meanwhile needs no link: the job then sends nothing.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from babel.dates import format_datetime
from flask import current_app, render_template

from intake.extensions import db
from intake.models import MailLog, Respondent, utcnow
from intake.services import invitations
from intake.services.mailing import address, open_transport
from intake.services.open_links import mask
from intake.services.questionnaires import live_version, model_of
from intake.services.receipt import wrap
from intake.services.sheets import BRUSSELS
from intake.statuses import RESUME_MAIL, ResponseStatus

TEMPLATE = "mail/resume_link.txt"


def compose(respondent: Respondent, link: str) -> tuple[str, str]:
    """The mail's subject and body."""
    version = live_version(respondent.questionnaire)
    title = model_of(version).title.get() if version else respondent.questionnaire.title
    closes = respondent.open_link.closes_at if respondent.open_link else None
    rendered = render_template(
        TEMPLATE, title=title, link=link,
        closes_at=format_datetime(closes, "d/MM/yyyy 'om' HH:mm", tzinfo=BRUSSELS, locale="nl_BE")
        if closes else None,
    ).lstrip()  # fmt: skip
    first, _, body = rendered.partition("\n")
    if not first.startswith("Onderwerp:"):
        raise ValueError(f"{TEMPLATE} must start with a line 'Onderwerp: ...'")
    text = "\n".join(wrap(line) if line.strip() != link else line for line in body.splitlines())
    return first.removeprefix("Onderwerp:").strip(), text.strip("\n") + "\n"


def send(respondent_id: int, job_id: int | None = None) -> bool:
    """Mail the respondent's resume link to the address it typed; True when it went out.

    Raises what the transport raises (no server, connection lost): the job is retried,
    and the address is kept until then."""
    respondent = db.session.get(Respondent, respondent_id)
    if respondent is None or not respondent.resume_email:
        return False
    email = respondent.resume_email
    response = respondent.response
    if response is not None and response.status == ResponseStatus.SUBMITTED:
        respondent.resume_email = None
        db.session.commit()
        return False
    _invitation, token = invitations.add_link(respondent)
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/t/{token}"
    subject, body = compose(respondent, link)
    log = MailLog(respondent_id=respondent.id, kind=RESUME_MAIL, recipient=mask(email),
                  subject=subject, job_id=job_id)  # fmt: skip
    with open_transport() as transport:
        recipient = address("", email, transport.smtputf8)
        if isinstance(recipient, str):
            log.ok, log.error = False, "het adres kan geen mail ontvangen"
        else:
            message = EmailMessage()
            message["Subject"] = subject
            message["From"] = current_app.config["MAIL_SENDER"]
            message["To"] = [recipient]
            message["Message-ID"] = make_msgid(domain="intake.vvsg.be")
            message.set_content(body)
            stamp = utcnow().strftime("%Y%m%dT%H%M%S")
            try:
                refused = transport.deliver(message, f"{stamp}-{respondent.code}-resume")
            except smtplib.SMTPRecipientsRefused:  # its only recipient
                refused = {"": (550, b"")}
            if refused:
                log.ok, log.error = False, "geweigerd door de mailserver"
    respondent.resume_email = None
    db.session.add(log)
    db.session.commit()
    return log.ok is not False
