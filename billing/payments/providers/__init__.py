"""Provider registry: code → class. Each module registers itself; services look them up here."""

from __future__ import annotations

from importlib import import_module

from billing.payments.providers.base import PaymentProvider

PROVIDER_MODULES = ("sandbox", "stripe", "wechatpay")

_REGISTRY: dict[str, type[PaymentProvider]] = {}


def register(cls: type[PaymentProvider]) -> type[PaymentProvider]:
    _REGISTRY[cls.code] = cls
    return cls


def provider_class(code: str) -> type[PaymentProvider]:
    _load()
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"unknown payment provider {code!r}") from None


def provider_codes() -> list[str]:
    _load()
    return list(_REGISTRY)


def _load() -> None:
    # Import on first use so a provider's third-party library loads only when needed. Every
    # module is imported (a no-op once loaded): one imported directly elsewhere must not hide the rest.
    for module in PROVIDER_MODULES:
        import_module(f"billing.payments.providers.{module}")
