"""支付管理 back office: who gets in, the payments list, a payment's page (refund, 查单) and isolation."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from alumni.core.models import AuditEntry
from billing.payments.models import Payment, PaymentState, ProviderAccount, Refund
from billing.payments.providers.base import PaymentStatus, RefundStatus
from billing.payments.providers.sandbox import SandboxProvider
from billing.payments.selectors import FINANCE_TZ
from billing.payments.services import payment_apply_status, payment_create, sandbox_settle
from tests.alumni.people.admin_support import *  # noqa: F403  (fixtures)
from tests.alumni.people.admin_support import logged_in
from tests.billing.payments.support import sandbox_payment
from tests.conftest import inside

pytestmark = pytest.mark.django_db

LIST = "/admin/payments/"
RECONCILIATION = "/admin/payments/reconciliation/"
PROVIDERS = "/admin/payments/providers/"


def detail(payment) -> str:
    return f"/admin/payments/{payment.reference}/"


def paid(amount: int = 10000, **kwargs) -> Payment:
    """A sandbox payment the payer has paid (call inside a school)."""
    payment = sandbox_payment(amount, **kwargs)
    assert sandbox_settle(payment=payment, outcome="succeeded") == "credited"
    return Payment.objects.get(pk=payment.pk)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff_client_a(school_a):
    """Staff with back-office access (Wagtail editor) but not a superuser: not the school's admin."""
    with inside(school_a):
        user = get_user_model().objects.create_user(
            username="staff8", email="staff8@alpha.edu.cn", name="职员", is_staff=True
        )
        user.groups.add(Group.objects.get(name="Editors"))
    return logged_in(school_a, user)


@pytest.fixture
def alpha_payment(school_a):
    with inside(school_a):
        return paid(12000)


def test_only_school_admins_reach_every_page(
    alpha_payment, school_a, client_a, alumnus_client_a, editor_client_a, staff_client_a, admin_client_a
):
    pages = (LIST, detail(alpha_payment), RECONCILIATION, PROVIDERS)
    for url in pages:
        anonymous = client_a.get(url)
        assert anonymous.status_code == 302 and "/admin/login/" in anonymous.url
        # Wagtail turns a refusal inside the admin into a redirect to its home with an error.
        for refused in (editor_client_a, staff_client_a, alumnus_client_a):
            response = refused.get(url)
            assert response.status_code in (302, 403)
            assert not response.get("Location", "").startswith("/admin/payments")
            followed = text(refused.get(url, follow=True))
            assert "¥120.00" not in followed and "校庆晚宴门票" not in followed
        assert "没有权限" in text(staff_client_a.get(url, follow=True))
        assert admin_client_a.get(url).status_code == 200
    # Writes are refused too: no refund, no 查单, no credentials, no export.
    for refused in (editor_client_a, staff_client_a, alumnus_client_a, client_a):
        assert refused.post(detail(alpha_payment), {"amount": "1.00", "reason": "x"}).status_code in (
            302,
            403,
        )
        assert refused.post(f"{detail(alpha_payment)}sync/").status_code in (302, 403)
        assert refused.post(PROVIDERS, {"provider": "stripe", "stripe-enabled": "on"}).status_code in (
            302,
            403,
        )
        export = refused.post(RECONCILIATION, {"provider": "sandbox", "date_from": "2026-01-01"})
        assert export.status_code in (302, 403) and not export.get("Content-Type", "").startswith(
            "application/vnd"
        )
    with inside(school_a):
        assert Payment.objects.get(pk=alpha_payment.pk).refunded_amount == 0
        assert not Refund.objects.exists() and not ProviderAccount.objects.exists()
        assert not AuditEntry.objects.filter(action__startswith="payments.").exists()


def test_menu_only_for_school_admins(admin_client_a, editor_client_a, staff_client_a):
    def shows_menu(client) -> bool:
        page = text(client.get("/admin/"))
        return "支付管理" in page or "\\u652f\\u4ed8\\u7ba1\\u7406" in page

    assert shows_menu(admin_client_a)
    assert not shows_menu(editor_client_a) and not shows_menu(staff_client_a)


def test_list_shows_amounts_in_yuan_and_totals(school_a, admin_client_a):
    with inside(school_a):
        first = paid(1200, payer=None)
        second = paid(250050)
        Payment.objects.filter(pk=second.pk).update(payer_name="王小明")
        sandbox_payment(999)  # pending: counted, nothing paid
    admin_client_a.post(detail(second), {"amount": "500.25", "reason": "部分退票"})
    response = admin_client_a.get(LIST)
    page = text(response)
    assert first.reference in page and second.reference in page
    assert "¥12.00" in page and "¥2,500.50" in page and "¥9.99" in page
    totals = re.findall(r'data-total="(\w+)">([^<]+)<', page)
    assert dict(totals) == {"count": "3", "paid": "¥2,512.50", "refunded": "¥500.25"}


def test_list_filters_and_search(school_a, admin_client_a):
    with inside(school_a):
        dinner = paid(5000, purpose="events.order")
        Payment.objects.filter(pk=dinner.pk).update(payer_name="李雷", subject="校庆晚宴门票")
        gift = paid(88800, purpose="giving.donation")
        Payment.objects.filter(pk=gift.pk).update(subject="图书馆捐赠", provider_ref="4200001234567890")
        waiting = sandbox_payment(3000, purpose="events.order")
        old = paid(7000)
        Payment.objects.filter(pk=old.pk).update(
            created_at=datetime(2026, 1, 5, 10, tzinfo=FINANCE_TZ),
            succeeded_at=datetime(2026, 1, 5, 10, 5, tzinfo=FINANCE_TZ),
        )

    def shown(**params) -> set[str]:
        response = admin_client_a.get(LIST, params)
        assert response.status_code == 200
        return {p.reference for p in response.context["payments"]}

    everyone = {dinner.reference, gift.reference, waiting.reference, old.reference}
    assert shown() == everyone
    assert shown(state="pending") == {waiting.reference}
    assert shown(purpose="giving.donation") == {gift.reference}
    assert shown(provider="sandbox") == everyone and shown(provider="stripe") == set()
    assert shown(amount_min="50", amount_max="888") == {dinner.reference, gift.reference, old.reference}
    assert shown(amount_min="50.01") == {gift.reference, old.reference}
    assert shown(q="李雷") == {dinner.reference}
    assert shown(q="图书馆") == {gift.reference}
    assert shown(q="4200001234567890") == {gift.reference}
    assert shown(q=waiting.reference) == {waiting.reference}
    assert shown(date_field="paid", date_from="2026-01-05", date_to="2026-01-05") == {old.reference}
    assert shown(date_field="created", date_to="2026-01-04") == set()
    # The totals follow the filter.
    response = admin_client_a.get(LIST, {"purpose": "events.order"})
    assert dict(re.findall(r'data-total="(\w+)">([^<]+)<', text(response)))["paid"] == "¥50.00"


def test_list_pages(school_a, admin_client_a):
    with inside(school_a):
        for _ in range(51):
            payment_create(
                purpose="tests.bulk",
                purpose_id="1",
                subject="批量",
                amount=100,
                idempotency_key=uuid.uuid4().hex,
            )
    first = admin_client_a.get(LIST, {"purpose": "tests.bulk"})
    assert len(first.context["payments"]) == 50 and "p=2" in text(first)
    second = admin_client_a.get(LIST, {"purpose": "tests.bulk", "p": "2"})
    assert len(second.context["payments"]) == 1
    assert 'data-total="count">51<' in text(second)


def test_refund_partial_then_the_rest(alpha_payment, school_a, admin_a, admin_client_a):
    page = text(admin_client_a.get(detail(alpha_payment)))
    assert 'value="120.00"' in page  # the form offers what is left to refund
    response = admin_client_a.post(
        detail(alpha_payment), {"amount": "20.10", "reason": "退一张票"}, follow=True
    )
    assert "已退款 ¥20.10" in text(response)
    with inside(school_a):
        payment = Payment.objects.get(pk=alpha_payment.pk)
        assert payment.state == PaymentState.PARTIALLY_REFUNDED and payment.refunded_amount == 2010
    assert 'value="99.90"' in text(admin_client_a.get(detail(alpha_payment)))
    admin_client_a.post(detail(alpha_payment), {"amount": "99.90", "reason": "活动取消"})
    with inside(school_a):
        payment = Payment.objects.get(pk=alpha_payment.pk)
        assert payment.state == PaymentState.REFUNDED and payment.refunded_amount == 12000
        refunds = list(payment.refunds.order_by("created_at", "id"))
        assert [(r.amount, r.state, r.operator_id) for r in refunds] == [
            (2010, Refund.State.SUCCEEDED, admin_a.pk),
            (9990, Refund.State.SUCCEEDED, admin_a.pk),
        ]
        audits = AuditEntry.objects.filter(action="payments.refund", object_id=str(payment.pk))
        assert audits.count() == 2 and all(a.actor_id == admin_a.pk for a in audits)
    page = text(admin_client_a.get(detail(alpha_payment)))
    assert "退一张票" in page and "活动取消" in page and "确认退款" not in page  # nothing left to refund


def test_refund_over_what_is_left_is_refused(alpha_payment, school_a, admin_client_a):
    admin_client_a.post(detail(alpha_payment), {"amount": "100", "reason": "部分退款"})
    response = admin_client_a.post(detail(alpha_payment), {"amount": "20.01", "reason": "再退"})
    assert response.status_code == 200
    assert response.context["refund_form"].errors["amount"] == ["最多可退 20.00 元"]
    assert '<ul class="errorlist"><li>最多可退 20.00 元</li></ul>' in text(response)
    with inside(school_a):
        assert Payment.objects.get(pk=alpha_payment.pk).refunded_amount == 10000
        assert Refund.objects.filter(payment=alpha_payment).count() == 1


def test_refund_the_provider_refuses_is_shown_and_released(
    alpha_payment, school_a, admin_client_a, monkeypatch
):
    def refuse(self, refund, payer_total):
        return RefundStatus(reference=refund.reference, status="failed", failure_reason="商户账户余额不足")

    monkeypatch.setattr(SandboxProvider, "refund", refuse)
    response = admin_client_a.post(detail(alpha_payment), {"amount": "50", "reason": "退票"})
    assert response.status_code == 200
    assert "退款失败：商户账户余额不足" in text(response) and "payments-alert" in text(response)
    with inside(school_a):
        payment = Payment.objects.get(pk=alpha_payment.pk)
        assert payment.refunded_amount == 0 and payment.state == PaymentState.SUCCEEDED
        assert Refund.objects.get(payment=payment).state == Refund.State.FAILED
    assert 'value="120.00"' in text(admin_client_a.get(detail(alpha_payment)))  # all of it refundable again


@pytest.mark.parametrize(
    ("amount", "reason", "error"),
    [
        ("12.345", "退款", "确认小数不超过 2 位"),
        ("0", "退款", "0.01"),
        ("abc", "退款", "输入一个数字"),
        ("10", "   ", "必需字段"),
    ],
)
def test_refund_form_rejects_bad_input(alpha_payment, school_a, admin_client_a, amount, reason, error):
    response = admin_client_a.post(detail(alpha_payment), {"amount": amount, "reason": reason})
    assert response.status_code == 200 and error in text(response)
    with inside(school_a):
        assert not Refund.objects.filter(payment=alpha_payment).exists()


def test_refund_amounts_are_exact_decimals(alpha_payment, school_a, admin_client_a):
    # 0.1 + 0.2 in floats is 0.30000000000000004; in fen it must be exactly 30.
    admin_client_a.post(detail(alpha_payment), {"amount": "0.1", "reason": "a"})
    admin_client_a.post(detail(alpha_payment), {"amount": "0.2", "reason": "b"})
    admin_client_a.post(detail(alpha_payment), {"amount": "119.70", "reason": "c"})
    with inside(school_a):
        payment = Payment.objects.get(pk=alpha_payment.pk)
        assert payment.refunded_amount == 12000 and payment.state == PaymentState.REFUNDED


def test_unpaid_payment_has_no_refund_form(school_a, admin_client_a):
    with inside(school_a):
        waiting = sandbox_payment(3000)
    assert "确认退款" not in text(admin_client_a.get(detail(waiting)))
    response = admin_client_a.post(detail(waiting), {"amount": "1", "reason": "x"}, follow=True)
    assert "只有已支付的订单可以退款" in text(response)
    with inside(school_a):
        assert not Refund.objects.filter(payment=waiting).exists()


def test_detail_shows_history_events_and_refunds(alpha_payment, admin_client_a):
    admin_client_a.post(detail(alpha_payment), {"amount": "1", "reason": "测试退款"})
    page = text(admin_client_a.get(detail(alpha_payment)))
    assert "已创建 → 待支付" in page and "待支付 → 支付成功" in page and "webhook:sandbox" in page
    assert "sbx_evt_" in page and "payment.succeeded" in page and "credited" in page
    assert "测试退款" in page and "¥1.00" in page
    assert "sbx_" + alpha_payment.reference in page  # the provider's transaction id


def test_duplicate_payment_is_flagged_with_advice(alpha_payment, school_a, admin_client_a):
    assert 'data-flag="duplicate_payment"' not in text(admin_client_a.get(detail(alpha_payment)))
    with inside(school_a):
        outcome = payment_apply_status(
            status=PaymentStatus(
                reference=alpha_payment.reference, status="succeeded", provider_ref="pi_SECOND"
            ),
            source="test",
        )
        assert outcome == "duplicate_payment"
    page = text(admin_client_a.get(detail(alpha_payment)))
    assert 'data-flag="duplicate_payment"' in page and "pi_SECOND" in page and "原路全额退回" in page
    assert "重复支付" in text(admin_client_a.get(LIST))


def test_sync_asks_the_provider_about_a_pending_payment(school_a, admin_client_a):
    with inside(school_a):
        waiting = sandbox_payment(3000)
        paid_one = paid(3000)
    assert "查单" in text(admin_client_a.get(detail(waiting)))
    assert 'action="/admin/payments/' + paid_one.reference not in text(admin_client_a.get(detail(paid_one)))
    assert admin_client_a.get(f"{detail(waiting)}sync/").status_code == 405
    response = admin_client_a.post(f"{detail(waiting)}sync/", follow=True)
    assert "订单状态仍为「待支付」" in text(response)
    with inside(school_a):
        assert Payment.objects.get(pk=waiting.pk).last_checked_at is not None


def test_other_school_never_sees_alpha(alpha_payment, school_b, admin_client_b, admin_client_a):
    assert alpha_payment.reference not in text(admin_client_b.get(LIST))
    assert 'data-total="count">0<' in text(admin_client_b.get(LIST))
    assert not admin_client_b.get(LIST, {"q": alpha_payment.reference}).context["payments"]
    assert admin_client_b.get(detail(alpha_payment)).status_code == 404
    assert admin_client_b.post(detail(alpha_payment), {"amount": "1", "reason": "x"}).status_code == 404
    assert admin_client_b.post(f"{detail(alpha_payment)}sync/").status_code == 404
    assert alpha_payment.reference in text(admin_client_a.get(LIST))
    with inside(school_b):
        assert not Refund.objects.exists()
