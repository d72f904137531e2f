"""Sign-in and sign-out for VVSG admins; the login manager's user loader."""

from intake.auth.routes import bp

__all__ = ["bp"]
