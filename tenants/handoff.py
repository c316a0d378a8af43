"""Carry a freshly signed-up admin from the platform host to the school's host, logged in.

Cookies are per host, so the platform cannot log anybody into ``<sub>.localhost``. Instead the
sign-up view redirects to ``/accounts/handoff/<uid>/<token>/`` on the school's host, which trades
the token for a session there and goes on to the back office. The token is

- signed (HMAC with SECRET_KEY and this module's own salt, so a password-reset token never works
  here and the other way round);
- bound to the school's schema: user ids repeat across schools (each school's first admin is
  user 1), so a token minted for one school is worthless on another school's host;
- single use: its hash covers ``last_login`` to the microsecond, which the exchange updates,
  inside a transaction that locks the user row, so two racing requests cannot both succeed;
- short-lived: at most ``HANDOFF_MAX_AGE`` seconds.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, login
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import connection, transaction
from django.shortcuts import redirect, render
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tenants.utils import schema_context

from tenants.models import School
from tenants.services import school_url

HANDOFF_MAX_AGE = 120
LOGIN_BACKEND = "tenants.users.backends.LoginIdentifierBackend"


class HandoffTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "tenants.handoff.HandoffTokenGenerator"
    max_age = HANDOFF_MAX_AGE

    def _make_hash_value(self, user, timestamp):
        # The current schema is part of the hash: the same user id means another person elsewhere.
        last_login = "" if user.last_login is None else user.last_login.isoformat()
        return f"{connection.schema_name}|{user.pk}|{user.password}|{last_login}|{user.is_active}|{timestamp}"

    def check_token(self, user, token):
        if not super().check_token(user, token):
            return False
        age = self._num_seconds(self._now()) - base36_to_int(token.split("-")[0])
        return 0 <= age <= self.max_age


handoff_tokens = HandoffTokenGenerator()


def handoff_url(*, school: School, email: str) -> str:
    """Absolute hand-off URL on the school's host that logs in the school user with this e-mail."""
    with schema_context(school.schema_name):
        user = get_user_model()._default_manager.get(email__iexact=email.strip())
        uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
        token = handoff_tokens.make_token(user)
    return school_url(school, f"/accounts/handoff/{uidb64}/{token}/")


def _user_from_uid(uidb64: str):
    user_model = get_user_model()
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return user_model._default_manager.select_for_update().filter(pk=pk).first()


@never_cache
@require_GET
def handoff(request, uidb64: str, token: str):
    """Exchange a hand-off token for a session on this school's host, then open the back office."""
    if not isinstance(getattr(request, "tenant", None), School):
        return render(request, "tenants/handoff_invalid.html", status=404)
    with transaction.atomic():
        user = _user_from_uid(uidb64)
        if user is None or not user.is_active or not handoff_tokens.check_token(user, token):
            return render(request, "tenants/handoff_invalid.html", status=400)
        # login() stamps last_login, which is what makes the token single-use.
        login(request, user, backend=LOGIN_BACKEND)
    return redirect("/admin/")
