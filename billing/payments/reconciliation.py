"""The daily reconciliation statement (对账单): one provider, one or more Shanghai calendar days.

The finance office checks it line by line against the provider's own statement (Stripe's balance
report, WeChat Pay's 交易账单), so every row carries the provider's transaction id and the times
are Shanghai local time, the calendar the provider's statement uses for Chinese merchants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from billing.payments.models import Payment, Provider
from billing.payments.money import SYMBOLS, fen_to_yuan
from billing.payments.selectors import (
    FINANCE_TZ,
    local_day_bounds,
    reconciliation_payments,
    reconciliation_refunds,
)
from billing.payments.signals import payment_admin_action

MAX_DAYS = 93  # a quarter: enough for a month-end close, small enough to build in one request


@dataclass(frozen=True)
class Statement:
    content: bytes
    filename: str
    payments: int
    refunds: int


def _local(moment: datetime | None) -> datetime | None:
    # openpyxl cannot store aware datetimes; the sheet says in its header that times are Shanghai's.
    return moment.astimezone(FINANCE_TZ).replace(tzinfo=None) if moment else None


def _money_format(currency: str) -> str:
    symbol = SYMBOLS.get(currency, "")
    return f'"{symbol}"#,##0.00' if symbol else "#,##0.00"


def _sheet(book: Workbook, title: str, header: list[str], *, first: bool = False):
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    return sheet


def _set_money(row_cells, column: int, currency: str) -> None:
    row_cells[column].number_format = _money_format(currency)


def _summary_row(label: str, currency: str, count: int, gross: int, refund_count: int, refunded: int) -> list:
    return [
        label,
        currency,
        count,
        fen_to_yuan(gross),
        refund_count,
        fen_to_yuan(refunded),
        fen_to_yuan(gross - refunded),
    ]


def statement_build(*, provider: str, first: date, last: date) -> tuple[bytes, int, int]:
    """The XLSX bytes of `provider`'s statement for Shanghai days first..last, and its row counts."""
    start, end = local_day_bounds(first, last)
    payments = list(reconciliation_payments(provider=provider, start=start, end=end))
    refunds = list(reconciliation_refunds(provider=provider, start=start, end=end))

    book = Workbook()
    sheet = _sheet(
        book,
        _("支付明细"),
        [
            _("支付单号"),
            _("渠道交易号"),
            _("商品说明"),
            _("用途"),
            _("付款人"),
            _("金额（元）"),
            _("币种"),
            _("支付时间（北京时间）"),
            _("备注"),
        ],
        first=True,
    )
    # Per (day, currency): payment count, gross, refund count, refunds.
    summary: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for payment in payments:
        paid_at = _local(payment.succeeded_at)
        note = ""
        if payment.metadata.get("duplicate_payment"):
            note = _("重复支付：渠道另收一笔 %(ref)s，需退款") % {
                "ref": payment.metadata["duplicate_payment"]
            }
        sheet.append(
            [
                payment.reference,
                payment.provider_ref,
                payment.subject,
                payment.purpose,
                payment.payer_name or (str(payment.payer) if payment.payer_id else ""),
                fen_to_yuan(payment.paid_amount),
                payment.currency,
                paid_at,
                note,
            ]
        )
        _set_money(sheet[sheet.max_row], 5, payment.currency)
        sheet.cell(sheet.max_row, 8).number_format = "yyyy-mm-dd hh:mm:ss"
        totals = summary[(paid_at.date(), payment.currency)]
        totals[0] += 1
        totals[1] += payment.paid_amount

    sheet = _sheet(
        book,
        _("退款明细"),
        [
            _("退款单号"),
            _("渠道退款号"),
            _("原支付单号"),
            _("原渠道交易号"),
            _("商品说明"),
            _("退款金额（元）"),
            _("币种"),
            _("退款原因"),
            _("操作人"),
            _("退款完成时间（北京时间）"),
        ],
    )
    for refund in refunds:
        payment: Payment = refund.payment
        done_at = _local(refund.completed_at)
        sheet.append(
            [
                refund.reference,
                refund.provider_ref,
                payment.reference,
                payment.provider_ref,
                payment.subject,
                fen_to_yuan(refund.amount),
                payment.currency,
                refund.reason,
                str(refund.operator) if refund.operator_id else "",
                done_at,
            ]
        )
        _set_money(sheet[sheet.max_row], 5, payment.currency)
        sheet.cell(sheet.max_row, 10).number_format = "yyyy-mm-dd hh:mm:ss"
        totals = summary[(done_at.date(), payment.currency)]
        totals[2] += 1
        totals[3] += refund.amount

    sheet = _sheet(
        book,
        _("汇总"),
        [
            _("日期"),
            _("币种"),
            _("支付笔数"),
            _("收款（元）"),
            _("退款笔数"),
            _("退款（元）"),
            _("净额（元）"),
        ],
    )
    grand: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (day, currency), (count, gross, refund_count, refunded) in sorted(summary.items()):
        sheet.append(_summary_row(day.isoformat(), currency, count, gross, refund_count, refunded))
        for column in (3, 5, 6):
            _set_money(sheet[sheet.max_row], column, currency)
        for i, value in enumerate((count, gross, refund_count, refunded)):
            grand[currency][i] += value
    for currency, (count, gross, refund_count, refunded) in sorted(grand.items()):
        sheet.append(_summary_row(_("合计"), currency, count, gross, refund_count, refunded))
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for column in (3, 5, 6):
            _set_money(sheet[sheet.max_row], column, currency)
    if not summary:
        sheet.append([_("本期无交易")])
    sheet.append([])
    sheet.append(
        [
            _("支付渠道"),
            str(Provider(provider).label),
            _("期间（北京时间）"),
            f"{first.isoformat()} 00:00 — {last.isoformat()} 24:00",
        ]
    )
    for width_sheet in book.worksheets:
        for column in width_sheet.columns:
            width = max(len(str(cell.value or "")) for cell in column)
            width_sheet.column_dimensions[column[0].column_letter].width = min(max(width * 1.6, 10), 50)

    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue(), len(payments), len(refunds)


def reconciliation_export(*, provider: str, first: date, last: date, actor) -> Statement:
    """Build the 对账单 for an admin and record the export in the school's audit log."""
    content, n_payments, n_refunds = statement_build(provider=provider, first=first, last=last)
    period = first.isoformat() if first == last else f"{first.isoformat()}~{last.isoformat()}"
    payment_admin_action.send(
        sender=Payment,
        actor=actor,
        action="payments.reconciliation_export",
        summary=_("导出对账单：%(provider)s %(period)s（%(p)s 笔支付，%(r)s 笔退款）")
        % {"provider": Provider(provider).label, "period": period, "p": n_payments, "r": n_refunds},
        payment=None,
        after={
            "provider": provider,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "payments": n_payments,
        },
    )
    return Statement(
        content=content,
        filename=f"reconciliation-{provider}-{period}.xlsx",
        payments=n_payments,
        refunds=n_refunds,
    )
