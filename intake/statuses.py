"""The statuses and kinds the app stores and compares, one enum each.

Members are strings (``StrEnum``), so they go into the database, JSON, URLs and
templates as they are, and compare equal to the text read back. The database keeps
plain string columns with CHECK constraints built from these enums (``intake.models``).
"""

from __future__ import annotations

from enum import StrEnum


class ResponseStatus(StrEnum):
    """Where a response is: being filled in, or handed in."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class TrackingStatus(StrEnum):
    """Where a respondent is, as the dashboard counts it (``services.tracking``), in order."""

    NOT_INVITED = "not_invited"
    INVITED = "invited"  # an invitation was mailed
    OPENED = "opened"  # the personal link was used
    IN_PROGRESS = "in_progress"  # a response was started
    SUBMITTED = "submitted"


class MailKind(StrEnum):
    """What a mail to a respondent's contacts is (``services.mailing``)."""

    INVITATION = "invitation"
    REMINDER = "reminder"


# The mail log's kinds: the batch kinds above, and the resume link an open-link respondent
# asks for (``services.open_links``; no batch sends it, so it is no ``MailKind``).
RESUME_MAIL = "resume"
MAIL_LOG_KINDS = (*MailKind, RESUME_MAIL)


class JobStatus(StrEnum):
    """Where a background job is (``intake.jobs``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
