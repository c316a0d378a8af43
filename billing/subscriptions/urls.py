"""School plans on the platform domain: the Stripe webhook and the operator's console pages.

Included once from saas/urls_public.py at the root, so the webhook is /billing/stripe/webhook/
and the console pages sit beside the rest of the console under /console/plans/.
"""

from django.urls import path

from billing.subscriptions import console, webhooks

app_name = "subscriptions"
urlpatterns = [
    path("billing/stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("console/plans/", console.subscriptions, name="console"),
    path("console/plans/catalogue/", console.plans, name="console_plans"),
    path("console/plans/<int:pk>/", console.school_plan, name="console_school"),
    path("console/plans/<int:pk>/change/", console.school_plan_change, name="console_plan_change"),
    path("console/plans/<int:pk>/extend-trial/", console.school_trial_extend, name="console_trial_extend"),
]
