"""Seed the default plans and give every existing school a subscription.

Demo schools get the demo plan, paid with no end date; every other school starts its trial now.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

from billing.subscriptions.plan_catalog import DEFAULT_PLANS, DEMO_PLAN, TRIAL_PLAN


def forwards(apps, schema_editor):
    Plan = apps.get_model("subscriptions", "Plan")
    Subscription = apps.get_model("subscriptions", "Subscription")
    School = apps.get_model("tenants", "School")
    for row in DEFAULT_PLANS:
        Plan.objects.update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
    trial = Plan.objects.get(code=TRIAL_PLAN)
    demo = Plan.objects.get(code=DEMO_PLAN)
    now = timezone.now()
    for school in School.objects.filter(subscription__isnull=True):
        if school.is_demo:
            Subscription.objects.create(school=school, plan=demo, status="active")
        else:
            Subscription.objects.create(
                school=school,
                plan=trial,
                status="trialing",
                trial_ends_at=now + timedelta(days=trial.trial_days),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("subscriptions", "0001_initial"),
        ("tenants", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
