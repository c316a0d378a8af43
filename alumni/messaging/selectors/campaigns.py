"""Reads for e-mail campaigns: lists, reports, and rendering one recipient's e-mail."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import linebreaks, strip_tags
from django.utils.safestring import mark_safe

from alumni.messaging.campaign_tokens import recipient_token
from alumni.messaging.models import BUILTIN_TEMPLATES, CampaignRecipient, EmailCampaign, EmailTemplate
from alumni.messaging.models.campaigns import CONTENT_SLOT
from alumni.messaging.placeholders import (
    PLACEHOLDER_RE,
    STANDARD_PLACEHOLDERS,
    placeholders_unknown,
    render_placeholders,
)

UNSUBSCRIBE_PLACEHOLDER = "退订链接"
PIXEL_KEY = "_pixel"
_TAG_RE = re.compile(r"<[a-zA-Z/][^>]*>")


def campaigns_list() -> QuerySet[EmailCampaign]:
    return EmailCampaign.objects.select_related("created_by", "custom_template")


def email_templates_list() -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.all()


def campaign_extra_placeholders(campaign: EmailCampaign) -> set[str]:
    """Placeholders this campaign may use besides the standard ones (an uploaded list's columns)."""
    return set(campaign.source_params.get("extra_columns", [])) | {UNSUBSCRIBE_PLACEHOLDER}


def campaign_unknown_placeholders(campaign: EmailCampaign) -> list[str]:
    """Placeholders in the subject, content or custom layout that no recipient has a value for."""
    known = campaign_extra_placeholders(campaign) | {CONTENT_SLOT}
    text = " ".join(
        [
            campaign.subject,
            campaign.body,
            campaign.custom_template.html if campaign.custom_template_id else "",
        ]
    )
    return placeholders_unknown(text, known)


def available_placeholders(campaign: EmailCampaign) -> list[tuple[str, str]]:
    extra = [(name, "名单中的列") for name in campaign.source_params.get("extra_columns", [])]
    return [
        *STANDARD_PLACEHOLDERS.items(),
        *extra,
        (UNSUBSCRIBE_PLACEHOLDER, "本人的退订链接（每封邮件底部已自动附上）"),
    ]


def _content_html(body: str) -> str:
    return body if _TAG_RE.search(body or "") else linebreaks(body or "")


@dataclass
class CampaignRenderer:
    """The campaign's layout rendered once; per recipient only placeholders are filled (fast)."""

    subject: str
    html: str
    text: str
    base_url: str

    def urls(self, recipient_id: int) -> tuple[str, str]:
        unsub = self.base_url + reverse(
            "messaging:campaign_unsubscribe", args=[recipient_token("unsub", recipient_id)]
        )
        pixel = self.base_url + reverse(
            "messaging:campaign_open", args=[recipient_token("open", recipient_id)]
        )
        return unsub, pixel

    def render(self, context: dict, recipient_id: int | None) -> tuple[str, str, str]:
        """(subject, html, text) for one recipient; a preview or test (no id) gets no live links."""
        unsub, pixel = self.urls(recipient_id) if recipient_id else ("#", "")
        context = {**context, UNSUBSCRIBE_PLACEHOLDER: unsub}
        escaped = {k: html_lib.escape(str(v)) for k, v in context.items()}
        escaped[PIXEL_KEY] = (
            f'<img src="{pixel}" width="1" height="1" alt="" style="display:block;border:0">' if pixel else ""
        )
        subject = render_placeholders(self.subject, context).replace("\n", " ")
        return subject, render_placeholders(self.html, escaped), render_placeholders(self.text, context)


def campaign_renderer(campaign: EmailCampaign, *, base_url: str = "") -> CampaignRenderer:
    """Render the layout with the content once, keeping {{placeholders}} for each recipient."""
    if not base_url:
        from tenants.services import school_url

        base_url = school_url(connection.tenant, "/").rstrip("/")
    school_name = getattr(connection.tenant, "name", "")
    content = _content_html(campaign.body)
    unsub_link = "{{" + UNSUBSCRIBE_PLACEHOLDER + "}}"
    pixel = "{{" + PIXEL_KEY + "}}"
    if campaign.custom_template_id:
        layout = campaign.custom_template.html
        slot = "{{" + CONTENT_SLOT + "}}"
        page = layout.replace(slot, content) if slot in layout else layout + content
        page = re.sub(r"\{\{\s*" + CONTENT_SLOT + r"\s*\}\}", lambda m: content, page)
        if UNSUBSCRIBE_PLACEHOLDER not in page:
            # Every campaign e-mail carries its unsubscribe link, whoever wrote the layout.
            footer = (
                f'<p style="font-size:12px;color:#888">{html_lib.escape(school_name)}校友会 · '
                f'<a href="{unsub_link}" style="color:#888">退订</a></p>'
            )
            page = page.replace("</body>", footer + "</body>") if "</body>" in page else page + footer
        page = page.replace("</body>", pixel + "</body>") if "</body>" in page else page + pixel
    else:
        key = campaign.builtin_template if campaign.builtin_template in BUILTIN_TEMPLATES else "simple"
        page = render_to_string(
            f"messaging/email/{key}.html",
            {
                "subject": campaign.subject,
                "content": mark_safe(content),  # noqa: S308 -- written by the school's own admins
                "school_name": school_name,
                "unsubscribe_url": unsub_link,
                "pixel": mark_safe(pixel),  # noqa: S308 -- a fixed placeholder, filled with an <img>
            },
        )
    text = html_lib.unescape(strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</tr>", "\n", content))).strip()
    text += f"\n\n——\n{school_name}校友会\n退订：{unsub_link}\n"
    return CampaignRenderer(subject=campaign.subject, html=page, text=text, base_url=base_url)


def campaign_sample_recipient(campaign: EmailCampaign, *, index: int = 0) -> CampaignRecipient | None:
    """A real recipient of the list for the preview (those with an address first)."""
    qs = campaign.recipients.exclude(email="").order_by("id")
    return qs[index : index + 1].first() if index >= 0 else None


def campaign_status_counts(campaign: EmailCampaign) -> dict[str, int]:
    rows = campaign.recipients.values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in CampaignRecipient.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def campaign_failed_recipients(campaign: EmailCampaign) -> QuerySet[CampaignRecipient]:
    return campaign.recipients.filter(
        status__in=[CampaignRecipient.Status.FAILED, CampaignRecipient.Status.INVALID]
    ).order_by("status", "id")


def campaign_due() -> QuerySet[EmailCampaign]:
    from django.utils import timezone

    return EmailCampaign.objects.filter(
        status=EmailCampaign.Status.SCHEDULED, scheduled_at__lte=timezone.now()
    )


def placeholder_names(text: str) -> list[str]:
    return [m.group(1) for m in PLACEHOLDER_RE.finditer(text or "")]
