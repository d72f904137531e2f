"""VVSG's admin pages: tracking, registry, invitations and exports."""

from intake.admin.routes import bp

__all__ = ["bp"]
