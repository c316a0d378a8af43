"""Seams from school plans to the apps inside a school.

``plan_changed`` is sent (after commit) when a school's plan changes, from the public schema.
Arguments: ``school`` (tenants.School), ``plan`` (Plan, the new one). alumni.messaging listens to
make this year's SMS quota follow the new plan (never below what is already used).
"""

from django.dispatch import Signal

plan_changed = Signal()
