"""Template filters for the payments back office: ``{{ fen|money:currency }}`` → "¥12.00"."""

from django import template

from billing.payments.money import format_money

register = template.Library()


@register.filter
def money(fen, currency="CNY"):
    return format_money(fen, currency or "CNY")
