"""What the portal's own pages need of an open-link response: the honeypot field, and the
resume code this browser holds (``portal.open_link`` serves the public link itself)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session

from intake.auth.access import signed_in
from intake.models import Respondent
from intake.services import open_links
from intake.services.accounts import CoordinatorIdentity

# The field people do not see and scripts fill in (start form, open-link page forms).
HONEYPOT = "website"
# The session key of the resume code: [respondent id, code], for the browser that has it.
RESUME_CODE = "resume_code"


@dataclass(frozen=True)
class OpenResponse:
    """What portal pages show a browser answering through a public link."""

    slug: str  # the public link's
    code: str | None  # the resume code as shown (ABCD-EFGH), when this browser has it


def open_response() -> OpenResponse | None:
    """The signed-in open-link response of this request, if any (no query: the sign-in
    loaded the respondent with its link)."""
    identity = signed_in()
    if not isinstance(identity, CoordinatorIdentity):
        return None
    respondent = identity.invitation.respondent
    link = respondent.open_link
    if link is None:
        return None
    kept = session.get(RESUME_CODE)
    code = None
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == respondent.id:
        code = open_links.display_code(str(kept[1]))
    return OpenResponse(link.slug, code)


def refused_post(respondent: Respondent) -> bool:
    """Whether a page or submit post of an open-link response filled in the honeypot."""
    return respondent.open_link_id is not None and bool(request.form.get(HONEYPOT))
