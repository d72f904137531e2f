"""VVSG's admin pages: tracking, registry, invitations and exports."""

from intake.admin.routes import bp

__all__ = ["bp"]

from intake.admin import (
    jobs,  # noqa: E402,F401  (registers the job views on bp)
    open_links,  # noqa: E402,F401  (registers the public link's views on bp)
    preview,  # noqa: E402,F401  (registers the preview views on bp)
)
