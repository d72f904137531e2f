"""Admin sign-in with e-mail and password, sign-out, and the front page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from intake.auth.access import sign_in_admin, sign_out, signed_in
from intake.auth.forms import LoginForm
from intake.extensions import limiter
from intake.services import accounts
from intake.services.accounts import AdminIdentity
from intake.web_security import SIGN_IN_LIMIT, redirect_target

bp = Blueprint("auth", __name__)


@bp.route("/")
def index() -> ResponseReturnValue:
    """Send each visitor to where they belong."""
    identity = signed_in()
    if isinstance(identity, AdminIdentity):
        return redirect(url_for("admin.dashboard"))
    if identity is not None:
        return redirect(url_for("portal.home"))
    return redirect(url_for("auth.login"))


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            sign_in_admin(user)
            return redirect(url_for("admin.dashboard"))
        flash(_("Dit e-mailadres en wachtwoord horen niet bij elkaar."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/taal/<code>")
def language(code: str) -> ResponseReturnValue:
    """Switch the interface language (Dutch by default)."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(redirect_target(request.args.get("next"), url_for("auth.index")))


@bp.route("/afmelden", methods=["POST"])
def logout() -> ResponseReturnValue:
    sign_out()
    flash(_("Je bent afgemeld."), "info")
    return redirect(url_for("auth.login"))
