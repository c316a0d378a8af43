"""对账单: the XLSX a finance office checks against the provider's statement, day by Shanghai day."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from alumni.core.models import AuditEntry
from billing.payments.models import Payment, Refund
from billing.payments.selectors import FINANCE_TZ
from billing.payments.services import refund_create, sandbox_settle
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.billing.payments.support import sandbox_payment
from tests.conftest import inside

pytestmark = pytest.mark.django_db

RECONCILIATION = "/admin/payments/reconciliation/"


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=FINANCE_TZ)


def paid_at(moment: datetime, amount: int, *, subject: str = "校庆晚宴门票", payer=None) -> Payment:
    """A sandbox payment paid at `moment` (the provider's clock, as the webhook would record it)."""
    payment = sandbox_payment(amount, payer=payer)
    assert sandbox_settle(payment=payment, outcome="succeeded") == "credited"
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=moment, subject=subject)
    return Payment.objects.get(pk=payment.pk)


def refunded_at(payment: Payment, moment: datetime, amount: int, reason: str = "退票") -> Refund:
    refund = refund_create(payment=payment, amount=amount, reason=reason)
    Refund.objects.filter(pk=refund.pk).update(completed_at=moment)
    return Refund.objects.get(pk=refund.pk)


def export(client, provider: str, first: str, last: str = ""):
    response = client.post(RECONCILIATION, {"provider": provider, "date_from": first, "date_to": last})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets
    }


@pytest.fixture
def night(school_a):
    """Two payments either side of midnight in Shanghai (which are the same UTC day: 15:59 and 16:01)."""
    with inside(school_a):
        late = paid_at(shanghai(2026, 11, 20, 23, 59), 12345, subject="晚宴门票")
        early = paid_at(shanghai(2026, 11, 21, 0, 1), 50000, subject="图书馆捐赠")
        refund = refunded_at(late, shanghai(2026, 11, 21, 9, 30), 2345, reason="少来一人")
    return late, early, refund


def test_local_day_boundaries(night, admin_client_a):
    late, early, refund = night
    day20 = export(admin_client_a, "sandbox", "2026-11-20")
    payments = day20["支付明细"]
    assert payments[0][:2] == ["支付单号", "渠道交易号"]
    assert [row[0] for row in payments[1:]] == [late.reference]
    row = payments[1]
    assert row[1] == f"sbx_{late.reference}" and row[2] == "晚宴门票" and row[3] == "tests.order"
    assert Decimal(str(row[5])) == Decimal("123.45") and row[6] == "CNY"
    assert row[7] == datetime(2026, 11, 20, 23, 59)  # Shanghai wall-clock time
    assert day20["退款明细"][1:] == []

    day21 = export(admin_client_a, "sandbox", "2026-11-21")
    assert [row[0] for row in day21["支付明细"][1:]] == [early.reference]
    refunds = day21["退款明细"][1:]
    assert len(refunds) == 1
    assert refunds[0][0] == refund.reference and refunds[0][2] == late.reference
    assert Decimal(str(refunds[0][5])) == Decimal("23.45") and refunds[0][7] == "少来一人"
    assert refunds[0][9] == datetime(2026, 11, 21, 9, 30)


def test_summary_totals_per_day_and_currency(night, admin_client_a):
    sheets = export(admin_client_a, "sandbox", "2026-11-20", "2026-11-21")
    assert len(sheets["支付明细"]) == 3 and len(sheets["退款明细"]) == 2
    summary = [row for row in sheets["汇总"] if row and row[1] == "CNY"]

    def money(row):
        return [row[0], row[2], Decimal(str(row[3])), row[4], Decimal(str(row[5])), Decimal(str(row[6]))]

    assert [money(row) for row in summary] == [
        ["2026-11-20", 1, Decimal("123.45"), 0, Decimal("0"), Decimal("123.45")],
        ["2026-11-21", 1, Decimal("500.00"), 1, Decimal("23.45"), Decimal("476.55")],
        ["合计", 2, Decimal("623.45"), 1, Decimal("23.45"), Decimal("600.00")],
    ]


def test_only_the_chosen_provider(night, school_a, admin_client_a):
    with inside(school_a):
        Payment.objects.filter(pk=night[1].pk).update(provider="wechatpay")
    sheets = export(admin_client_a, "wechatpay", "2026-11-21")
    assert [row[0] for row in sheets["支付明细"][1:]] == [night[1].reference]
    assert sheets["退款明细"][1:] == []  # the refund was of the sandbox payment
    sheets = export(admin_client_a, "stripe", "2026-11-21")
    assert sheets["支付明细"][1:] == [] and [v for v in sheets["汇总"][1] if v is not None] == ["本期无交易"]


def test_unpaid_payments_are_not_in_the_statement(school_a, admin_client_a):
    with inside(school_a):
        sandbox_payment(777)  # pending
        failed = sandbox_payment(888)
        sandbox_settle(payment=failed, outcome="failed")
        today = Payment.objects.get(pk=failed.pk).created_at.astimezone(FINANCE_TZ).date().isoformat()
    assert export(admin_client_a, "sandbox", today)["支付明细"][1:] == []


def test_export_is_audited(night, school_a, admin_a, admin_client_a):
    export(admin_client_a, "sandbox", "2026-11-20", "2026-11-21")
    with inside(school_a):
        entry = AuditEntry.objects.get(action="payments.reconciliation_export")
        assert entry.actor_id == admin_a.pk
        assert "2026-11-20~2026-11-21" in entry.summary and "2 笔支付" in entry.summary
        assert entry.after["provider"] == "sandbox"


def test_bad_period_is_refused(admin_client_a, school_a):
    response = admin_client_a.post(
        RECONCILIATION, {"provider": "sandbox", "date_from": "2026-11-21", "date_to": "2026-11-20"}
    )
    assert response.status_code == 200 and "截止日期不能早于起始日期" in response.content.decode()
    response = admin_client_a.post(
        RECONCILIATION, {"provider": "sandbox", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    )
    assert "一次最多导出 93 天" in response.content.decode()
    with inside(school_a):
        assert not AuditEntry.objects.filter(action="payments.reconciliation_export").exists()


def test_other_school_exports_only_its_own(night, admin_client_b):
    sheets = export(admin_client_b, "sandbox", "2026-11-20", "2026-11-21")
    assert sheets["支付明细"][1:] == [] and sheets["退款明细"][1:] == []
