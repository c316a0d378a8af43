"""The dashboard's headline numbers, contributed by each feature.

A feature registers a provider from its ``wagtail_hooks.py``; the provider returns the numbers it
owns (``cms`` counts published news, ``events`` will count upcoming events) for the current
school. Like to-dos, providers run on every dashboard view: one cheap query each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Stat:
    label: str
    value: int
    icon: str = "info-circle"
    url: str = ""
    # Lower comes first.
    order: int = 100


StatProvider = Callable[[HttpRequest], Iterable[Stat]]

_providers: list[StatProvider] = []


def register_stat(provider: StatProvider) -> StatProvider:
    """Add a dashboard number provider (usable as a decorator); registering twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def dashboard_stats(request: HttpRequest) -> list[Stat]:
    stats = [stat for provider in _providers for stat in provider(request)]
    return sorted(stats, key=lambda stat: (stat.order, stat.label))
