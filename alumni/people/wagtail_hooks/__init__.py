"""Wagtail admin integration of the people app: the 校友档案 menu and its pages.

A package so that each part stays small; Wagtail imports ``alumni.people.wagtail_hooks`` and the
imports below register everything (append new modules, e.g. the import wizard's ``imports``).
"""

from alumni.people.wagtail_hooks import catalog, claims, duplicates, menu, records, stats

__all__ = ["catalog", "claims", "duplicates", "menu", "records", "stats"]

from alumni.people.wagtail_hooks import imports

__all__ += ["imports"]
