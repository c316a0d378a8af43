"""Every new school starts with a subscription (trial, or the demo plan for demo schools).

Runs inside the provisioning transaction: if it fails the school is not created at all.
"""

from __future__ import annotations

from django.dispatch import receiver

from billing.subscriptions.services import subscription_start
from tenants.signals import school_provisioned


@receiver(school_provisioned, dispatch_uid="subscriptions.trial_on_provisioning")
def start_subscription(sender, school, **kwargs) -> None:
    subscription_start(school=school)
