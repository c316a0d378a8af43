"""Human labels for audit-log action codes, registered by the feature that records them.

Action codes are stable machine strings (``page.publish``, ``event.approve``); the audit log
shows and filters by their labels. A code without a label is shown as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.functional import Promise

_labels: dict[str, str | Promise] = {}


def register_audit_actions(labels: Mapping[str, str | Promise]) -> None:
    """Give action codes their display labels (later registrations win)."""
    _labels.update(labels)


def audit_action_label(code: str) -> str:
    return str(_labels.get(code, code))


def audit_action_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, label) pairs for the given codes, sorted by label."""
    return sorted(((code, audit_action_label(code)) for code in set(codes)), key=lambda pair: pair[1])
