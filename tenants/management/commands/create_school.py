"""``create_school``: provision a school from the command line (clone of the template schema)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from tenants.errors import TenantError
from tenants.services import SchoolAdmin, school_create, school_url


class Command(BaseCommand):
    help = (
        "开通一所学校（克隆模板库），可同时创建首位管理员。Create a school, optionally with its first admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="学校名称")
        parser.add_argument("--short-name", required=True, help="简称")
        parser.add_argument("--subdomain", required=True, help="子域名，如 ecnu")
        parser.add_argument("--admin-email", default="", help="首位管理员邮箱")
        parser.add_argument("--admin-password", default="", help="首位管理员密码")
        parser.add_argument("--admin-name", default="", help="首位管理员姓名")
        parser.add_argument("--demo", action="store_true", help="标记为演示学校（显示在平台首页）")

    def handle(self, *args, **options):
        name, short_name = options["name"].strip(), options["short_name"].strip()
        if not name or not short_name:
            raise CommandError("学校名称和简称不能为空。")
        admin = self._admin(options)
        try:
            school = school_create(
                name=name,
                short_name=short_name,
                subdomain=options["subdomain"],
                admin=admin,
                is_demo=options["demo"],
                actor_label="命令行 create_school",
            )
        except TenantError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"已开通 {school.name}（schema {school.schema_name}）"))
        self.stdout.write(f"网站: {school_url(school)}")
        self.stdout.write(f"后台: {school_url(school, '/admin/')}")
        if admin:
            self.stdout.write(f"登录: {admin.email} / {'*' * 8}（使用 --admin-password 提供的密码）")
        else:
            self.stdout.write("未创建管理员（可用 --admin-email 与 --admin-password 指定）。")

    def _admin(self, options) -> SchoolAdmin | None:
        email = options["admin_email"].strip().lower()
        password = options["admin_password"]
        if not email and not password:
            return None
        if not email or not password:
            raise CommandError("--admin-email 与 --admin-password 需同时提供。")
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"管理员邮箱格式不正确：{email}") from exc
        try:
            validate_password(password, user=get_user_model()(username=email, email=email))
        except ValidationError as exc:
            raise CommandError("管理员密码不符合要求：" + " ".join(exc.messages)) from exc
        return SchoolAdmin(email=email, password=password, name=options["admin_name"].strip())
