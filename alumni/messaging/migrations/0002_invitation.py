# Invitations (tokened links); written for the invitations area only so the other areas'
# models get their own migrations.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Invitation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("purpose", models.CharField(db_index=True, max_length=40, verbose_name="用途")),
                ("payload", models.JSONField(blank=True, default=dict, verbose_name="附加数据")),
                ("name", models.CharField(max_length=60, verbose_name="受邀人")),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("email", "邮件"),
                            ("sms", "短信"),
                            ("wechat", "微信公众号"),
                            ("miniprogram", "小程序订阅消息"),
                            ("inapp", "站内消息"),
                        ],
                        max_length=12,
                        verbose_name="发送渠道",
                    ),
                ),
                (
                    "address",
                    models.CharField(
                        help_text="手机号、邮箱或微信 openid", max_length=254, verbose_name="地址"
                    ),
                ),
                (
                    "token_hash",
                    models.CharField(editable=False, max_length=64, unique=True, verbose_name="令牌摘要"),
                ),
                ("sends", models.PositiveSmallIntegerField(default=1, verbose_name="发送次数")),
                ("expires_at", models.DateTimeField(db_index=True, verbose_name="有效期至")),
                ("used_at", models.DateTimeField(blank=True, null=True, verbose_name="接受时间")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="创建时间"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="邀请人",
                    ),
                ),
                (
                    "used_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="接受账号",
                    ),
                ),
            ],
            options={
                "verbose_name": "邀请",
                "verbose_name_plural": "邀请",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("used_at__isnull", True), ("revoked_at__isnull", True), _connector="OR"
                        ),
                        name="messaging_invite_used_or_revoked",
                    )
                ],
            },
        ),
    ]
