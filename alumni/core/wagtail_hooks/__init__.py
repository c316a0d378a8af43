"""Wagtail admin integration of ``alumni.core``: the dashboard, the audit log and the audit hooks.

A package rather than one module so that each part stays small; Wagtail imports
``alumni.core.wagtail_hooks`` and the imports below register everything.
"""

from alumni.core.wagtail_hooks import audit_hooks, audit_log, dashboard, school_profile

__all__ = ["audit_hooks", "audit_log", "dashboard", "school_profile"]
