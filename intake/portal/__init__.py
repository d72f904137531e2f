"""The respondent portal: coordinators fill in, save, resume and submit."""

from intake.portal.routes import bp

__all__ = ["bp"]
