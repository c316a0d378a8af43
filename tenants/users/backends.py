"""Log in with a username, a phone number or an e-mail address."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from tenants.users.phones import normalize_phone


class LoginIdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("identifier") or "").strip()
        if not identifier or password is None:
            return None
        user_model = get_user_model()
        query = Q(username=identifier) | Q(email__iexact=identifier)
        phone = normalize_phone(identifier)
        if phone:
            query |= Q(phone=phone)
        user = user_model._default_manager.filter(query).order_by("pk").first()
        if user is None:
            # Spend the same time hashing as for a real user, so timing does not reveal accounts.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
