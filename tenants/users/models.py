"""The user model, installed in every schema.

In the public schema its rows are platform operators; in a school's schema they are that
school's admins, chapter officers and alumni. A phone number or e-mail identifies a user
inside one schema only, so the same phone can register at two schools.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, null=True, unique=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="users_user_email_ci_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.get_username()

    def get_full_name(self) -> str:
        return self.name or super().get_full_name() or self.get_username()

    def get_short_name(self) -> str:
        return self.name or self.first_name or self.get_username()
