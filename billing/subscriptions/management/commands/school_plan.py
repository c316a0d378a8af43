"""``manage.py school_plan --school <schema> [--plan CODE] [--paid-until YYYY-MM-DD] [--extend-trial DAYS]``.

Without --plan/--extend-trial it prints the school's plan, status and dates. Changes are logged
in the operator log as done by "命令行".
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing.subscriptions.errors import SubscriptionError
from billing.subscriptions.services import (
    subscription_change_plan,
    subscription_ensure,
    subscription_extend_trial,
)
from tenants.models import School

ACTOR = "命令行"


def _day(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else "—"


class Command(BaseCommand):
    help = "Show or change a school's plan (and extend its trial)."

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, help="schema name (or subdomain) of the school")
        parser.add_argument("--plan", help="plan code: trial, standard, professional, flagship, …")
        parser.add_argument("--paid-until", type=date.fromisoformat, help="with --plan: paid up to this date")
        parser.add_argument("--extend-trial", type=int, metavar="DAYS", help="lengthen the trial by DAYS")

    def handle(self, *args, **options):
        key = options["school"].strip().lower()
        school = (
            School.objects.filter(schema_name=key).first() or School.objects.filter(subdomain=key).first()
        )
        if school is None:
            raise CommandError(f"没有这个学校：{key}")
        try:
            if options["plan"]:
                subscription_change_plan(
                    school=school,
                    plan_code=options["plan"],
                    paid_until=options["paid_until"],
                    actor_label=ACTOR,
                )
            if options["extend_trial"]:
                subscription_extend_trial(school=school, days=options["extend_trial"], actor_label=ACTOR)
        except SubscriptionError as exc:
            raise CommandError(exc.message) from exc
        subscription = subscription_ensure(school=school)
        self.stdout.write(
            f"{school.schema_name}: {subscription.plan.name} ({subscription.plan.code}) "
            f"{subscription.get_status_display()} · 试用截止 {_day(subscription.trial_ends_at)} · "
            f"本期截止 {_day(subscription.current_period_end)} · 宽限期截止 {_day(subscription.grace_ends_at)}"
        )
