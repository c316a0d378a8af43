"""The back-office to-do registry: what waits for a school admin, contributed by each feature.

A feature registers a provider from its ``wagtail_hooks.py``::

    @register_todo
    def pending_verifications(request) -> list[TodoItem]:
        n = verification_pending_count()
        return [TodoItem(label="待审核校友认证", count=n, url=reverse(...), priority=80)]

Providers run on every dashboard view inside the current school's schema, so they must be cheap
(one COUNT query) and must only return what ``request.user`` may act on. Items with a count of
zero are dropped, so a provider can return its item unconditionally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class TodoItem:
    label: str
    count: int
    url: str
    # Higher comes first; ties are ordered by label.
    priority: int = 50


TodoProvider = Callable[[HttpRequest], Iterable[TodoItem]]

_providers: list[TodoProvider] = []


def register_todo(provider: TodoProvider) -> TodoProvider:
    """Add a to-do provider (usable as a decorator); registering twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_todo(provider: TodoProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def todo_items(request: HttpRequest) -> list[TodoItem]:
    """Everything waiting for this user, most urgent first."""
    items = [item for provider in _providers for item in provider(request) if item.count > 0]
    return sorted(items, key=lambda item: (-item.priority, item.label))
