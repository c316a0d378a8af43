"""A read-only panel on the messaging settings page: this year's SMS quota and usage.

The quota is set by the platform (``manage.py sms_quota``), never by the school, so it is shown
here instead of being a form field.
"""

from __future__ import annotations

from django.utils import timezone
from wagtail.admin.panels import HelpPanel


class SmsQuotaPanel(HelpPanel):
    class BoundPanel(HelpPanel.BoundPanel):
        def get_context_data(self, parent_context=None):
            from alumni.messaging.models.logs import SmsUsage

            context = super().get_context_data(parent_context)
            year = timezone.localdate().year
            usage = SmsUsage.objects.filter(year=year).first() or SmsUsage(year=year)
            context.update(
                usage=usage,
                used=f"{usage.used:,}",
                quota=f"{usage.quota:,}",
                remaining=f"{usage.remaining:,}",
                used_percent=min(100, round(usage.used * 100 / usage.quota)) if usage.quota else 100,
            )
            return context
