"""Stripe Checkout (subscription mode) and the customer portal, through a stand-in for
api.stripe.com (tests/billing/subscriptions/conftest.py: StripeStandIn)."""

from __future__ import annotations

import pytest

from billing.subscriptions.models import Subscription

pytestmark = pytest.mark.django_db


def test_subscribe_button_creates_a_checkout_session_and_redirects(
    admin_client_a, sub_a, stripe_stand_in, school_a
):
    response = admin_client_a.post("/admin/plan/checkout/", {"plan": "professional"})
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    (call,) = stripe_stand_in.requests
    assert call["path"] == "/v1/checkout/sessions"
    form = call["form"]
    assert form["mode"] == "subscription"
    assert form["line_items[0][price]"] == "price_professional_yearly"
    assert form["line_items[0][quantity]"] == "1"
    # The school travels with the session and with the subscription it creates.
    assert form["metadata[school]"] == "alpha" and form["subscription_data[metadata][school]"] == "alpha"
    assert form["subscription_data[metadata][plan]"] == "professional"
    assert form["client_reference_id"] == "alpha"
    assert form["success_url"] == "http://alpha.localhost/admin/plan/?checkout=success"
    assert form["cancel_url"] == "http://alpha.localhost/admin/plan/?checkout=cancel"
    assert form["customer_email"] == school_a.admin_email
    assert call["headers"]["Authorization"] == "Bearer sk_test_platform_0123456789"
    assert call["headers"]["Idempotency-Key"]


def test_an_existing_customer_is_reused(admin_client_a, sub_a, stripe_stand_in):
    Subscription.objects.filter(pk=sub_a.pk).update(stripe_customer_id="cus_alpha")
    admin_client_a.post("/admin/plan/checkout/", {"plan": "standard"})
    form = stripe_stand_in.requests[0]["form"]
    assert form["customer"] == "cus_alpha" and "customer_email" not in form


def test_plans_that_cannot_be_bought_online_are_refused_without_calling_stripe(
    admin_client_a, sub_a, stripe_stand_in
):
    response = admin_client_a.post("/admin/plan/checkout/", {"plan": "trial"}, follow=True)
    assert "该套餐不能在线订阅" in response.content.decode()
    response = admin_client_a.post("/admin/plan/checkout/", {"plan": "no-such-plan"}, follow=True)
    assert "没有代码为 no-such-plan 的套餐" in response.content.decode()
    assert stripe_stand_in.requests == []


def test_stripe_failure_is_reported_not_a_crash(admin_client_a, sub_a, stripe_stand_in):
    stripe_stand_in.fail_with = 500
    response = admin_client_a.post("/admin/plan/checkout/", {"plan": "standard"}, follow=True)
    assert response.status_code == 200
    assert "Stripe 暂时无法处理请求" in response.content.decode()


def test_portal_link_for_a_school_that_subscribed_online(admin_client_a, sub_a, stripe_stand_in):
    Subscription.objects.filter(pk=sub_a.pk).update(stripe_customer_id="cus_alpha")
    page = admin_client_a.get("/admin/plan/").content.decode()
    assert "管理付款方式与发票" in page
    response = admin_client_a.post("/admin/plan/portal/")
    assert response.status_code == 302
    assert response["Location"] == "https://billing.stripe.com/p/session/test_1"
    (call,) = stripe_stand_in.requests
    assert call["path"] == "/v1/billing_portal/sessions"
    assert call["form"]["customer"] == "cus_alpha"
    assert call["form"]["return_url"] == "http://alpha.localhost/admin/plan/"


def test_portal_without_a_stripe_customer_explains(admin_client_a, sub_a, stripe_stand_in):
    response = admin_client_a.post("/admin/plan/portal/", follow=True)
    assert "暂无付款方式和发票可管理" in response.content.decode()
    assert stripe_stand_in.requests == []


def test_without_stripe_the_page_says_the_operator_changes_plans(admin_client_a, sub_a, settings):
    settings.STRIPE_PLATFORM_SECRET_KEY = ""
    page = admin_client_a.get("/admin/plan/").content.decode()
    assert "data-stripe-missing" in page and "请联系平台运营人员" in page
    assert "升级/订阅" not in page
    response = admin_client_a.post("/admin/plan/checkout/", {"plan": "standard"}, follow=True)
    assert "平台尚未配置 Stripe 在线支付" in response.content.decode()
