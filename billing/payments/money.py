"""Fen ↔ yuan for what people read and type: display strings and form input, never floats."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

SYMBOLS = {"CNY": "¥", "USD": "$", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "JP¥"}


def format_money(fen: int | None, currency: str = "CNY") -> str:
    """12345 fen of CNY → "¥123.45" (integer arithmetic, thousands separated)."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    symbol = SYMBOLS.get((currency or "CNY").upper(), f"{currency} ")
    return f"{sign}{symbol}{whole:,}.{cents:02d}"


def fen_to_yuan(fen: int) -> Decimal:
    """An exact Decimal for spreadsheets and form initial values (1234 → Decimal("12.34"))."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def yuan_to_fen(value: Decimal | str) -> int:
    """A yuan amount with at most two decimals → fen; ValueError for anything else."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not amount.is_finite():
        raise ValueError("not a number")
    if amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN) != amount:
        raise ValueError("more than two decimals")
    return int(amount * 100)
