"""Messaging settings per school (SMS provider and credentials, sender name, WeChat templates)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_email_campaigns"),
    ]

    operations = [
        migrations.CreateModel(
            name="MessagingSettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "sms_provider",
                    models.CharField(
                        choices=[
                            ("console", "开发调试（不真实发送，写入日志和文件）"),
                            ("aliyun", "阿里云短信"),
                            ("tencent", "腾讯云短信"),
                        ],
                        default="console",
                        max_length=10,
                        verbose_name="短信服务商",
                    ),
                ),
                (
                    "sms_access_key_id",
                    models.CharField(
                        blank=True,
                        help_text="阿里云 AccessKey ID 或腾讯云 SecretId",
                        max_length=64,
                        verbose_name="AccessKey ID / SecretId",
                    ),
                ),
                (
                    "sms_access_key_secret",
                    models.CharField(blank=True, max_length=128, verbose_name="AccessKey Secret / SecretKey"),
                ),
                (
                    "sms_sign_name",
                    models.CharField(
                        blank=True,
                        help_text="服务商审核通过的签名，不含【】，如：阿尔法大学校友会",
                        max_length=30,
                        verbose_name="短信签名",
                    ),
                ),
                (
                    "tencent_sms_app_id",
                    models.CharField(
                        blank=True,
                        help_text="仅腾讯云：短信控制台的 SdkAppId",
                        max_length=20,
                        verbose_name="腾讯云短信 SDK AppID",
                    ),
                ),
                (
                    "email_from_name",
                    models.CharField(
                        blank=True,
                        help_text="收件人看到的发件人，如：阿尔法大学校友会；留空用学校名称",
                        max_length=60,
                        verbose_name="邮件发件人名称",
                    ),
                ),
                (
                    "email_reply_to",
                    models.EmailField(
                        blank=True,
                        help_text="校友回复邮件时发往的地址（可选）",
                        max_length=254,
                        verbose_name="回复地址",
                    ),
                ),
                (
                    "wechat_template_notice",
                    models.CharField(blank=True, max_length=64, verbose_name="通知类模板 ID"),
                ),
                (
                    "wechat_template_event",
                    models.CharField(blank=True, max_length=64, verbose_name="活动提醒模板 ID"),
                ),
                (
                    "wechat_template_invite",
                    models.CharField(blank=True, max_length=64, verbose_name="邀请模板 ID"),
                ),
                (
                    "wechat_template_review",
                    models.CharField(blank=True, max_length=64, verbose_name="审核结果模板 ID"),
                ),
                (
                    "wechat_template_donation",
                    models.CharField(blank=True, max_length=64, verbose_name="捐赠感谢模板 ID"),
                ),
            ],
            options={
                "verbose_name": "消息设置",
                "verbose_name_plural": "消息设置",
            },
        ),
    ]
