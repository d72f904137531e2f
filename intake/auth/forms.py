"""Sign-in form for VVSG admins."""

from __future__ import annotations

from typing import cast

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


def _l(text: str) -> str:
    """Translated when the form is shown, in the visitor's language. WTForms takes labels
    and messages as text, and a lazy translation acts as one."""
    return cast(str, lazy_gettext(text))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul je e-mailadres in.")),
            Email(_l("Dit is geen geldig e-mailadres."), check_deliverability=False),
            Length(max=320),
        ],
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul je wachtwoord in.")), Length(max=200)],
    )
    submit = SubmitField(_l("Aanmelden"))
