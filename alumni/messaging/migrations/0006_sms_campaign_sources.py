"""SMS campaigns take their recipients from the recipient-source registry (as e-mail campaigns
do): source key + params + description replace the SMS-only query/filters/upload_name."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    SmsCampaign = apps.get_model("messaging", "SmsCampaign")
    for campaign in SmsCampaign.objects.all():
        if campaign.source == "upload":
            campaign.source_params = {"filename": campaign.upload_name, "rows": []}
            campaign.source_label = f"上传名单 {campaign.upload_name}"[:200]
        else:
            params = dict(campaign.filters or {})
            if campaign.query:
                params["query"] = campaign.query
            campaign.source, campaign.source_params = "alumni", params
            parts = "；".join(f"{k}：{v}" for k, v in params.items())
            campaign.source_label = (f"校友筛选（{parts}）" if parts else "全部校友")[:200]
        campaign.save(update_fields=["source", "source_params", "source_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0005_sms_birthdays"),
    ]

    operations = [
        migrations.AddField(
            model_name="smscampaign",
            name="source_label",
            field=models.CharField(blank=True, max_length=200, verbose_name="收件人说明"),
        ),
        migrations.AddField(
            model_name="smscampaign",
            name="source_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="来源参数"),
        ),
        migrations.AlterField(
            model_name="smscampaign",
            name="source",
            field=models.CharField(default="alumni", max_length=40, verbose_name="收件人来源"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="smscampaign", name="filters"),
        migrations.RemoveField(model_name="smscampaign", name="query"),
        migrations.RemoveField(model_name="smscampaign", name="upload_name"),
    ]
