"""The respondent portal: coordinators fill in, save, resume and submit."""

from intake.portal.routes import bp

__all__ = ["bp"]

from intake.portal import open_link  # noqa: E402,F401  (registers the public link's views on bp)
