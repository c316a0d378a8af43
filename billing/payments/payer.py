"""The payer's WeChat openid, from whichever app knows it.

WeChat Pay's JSAPI (official-account H5) and mini-program payments need the payer's openid for
the app the merchant account is bound to. The identities live in alumni.accounts, which billing
must not import, so alumni registers a resolver here at start-up (``AppConfig.ready``) and the
pay page and API ask through ``payer_openid``.

A resolver is ``fn(user, *, kind, app_id) -> str``: ``kind`` is ``"mp"`` (official account, H5
in WeChat's browser) or ``"mini"`` (mini-program); ``app_id`` is the AppID the merchant account
is bound to, or "" when unknown. It returns "" when it does not know the user.
"""

from __future__ import annotations

from collections.abc import Callable

KINDS = ("mp", "mini")

Resolver = Callable[..., str]

_resolvers: list[Resolver] = []


def register_openid_resolver(fn: Resolver) -> Resolver:
    """Add a resolver (idempotent, so a module imported twice does not ask twice)."""
    if fn not in _resolvers:
        _resolvers.append(fn)
    return fn


def unregister_openid_resolver(fn: Resolver) -> None:
    if fn in _resolvers:
        _resolvers.remove(fn)


def payer_openid(user, *, kind: str, app_id: str = "") -> str:
    """The openid `user` has in the school's official account ("mp") or mini-program ("mini")."""
    if kind not in KINDS:
        raise ValueError(f"unknown openid kind {kind!r}; expected one of {KINDS}")
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    for resolver in _resolvers:
        openid = resolver(user, kind=kind, app_id=app_id or "")
        if openid:
            return openid
    return ""
