"""The operator's management commands: create, list, suspend, reactivate schools; create operators."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from tenants.models import OperatorLog, School
from tests.conftest import inside
from tests.tenants.conftest import schemas

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- create_school ---------------------------------------------------------------------------


def test_create_school_prints_its_urls_and_login():
    out = run(
        "create_school",
        "--name=浙江大学",
        "--short-name=浙大",
        "--subdomain=ZJU",
        "--admin-email=Admin@ZJU.edu.cn",
        "--admin-password=Zju-pass-2024",
        "--admin-name=李老师",
    )
    assert "http://zju.localhost:8000/" in out
    assert "http://zju.localhost:8000/admin/" in out
    assert "admin@zju.edu.cn" in out
    assert "Zju-pass-2024" not in out  # the password is never echoed
    school = School.objects.get(subdomain="zju")
    assert school.is_ready and school.name == "浙江大学"
    with inside(school):
        admin = get_user_model().objects.get(email="admin@zju.edu.cn")
        assert admin.name == "李老师" and admin.is_superuser
    browser = Client(HTTP_HOST="zju.localhost")
    browser.post("/admin/login/", {"username": "admin@zju.edu.cn", "password": "Zju-pass-2024"})
    assert browser.get("/admin/").status_code == 200


def test_create_school_without_an_admin():
    out = run("create_school", "--name=南京大学", "--short-name=南大", "--subdomain=nju")
    assert "未创建管理员" in out
    assert School.objects.filter(subdomain="nju", is_ready=True).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--subdomain=www"], "系统保留"),
        (["--subdomain=alpha"], "已被占用"),
        (["--subdomain=x_y"], "3–40 位"),
        (["--subdomain=okname", "--admin-email=a@b.cn"], "需同时提供"),
        (["--subdomain=okname", "--admin-password=Ok-pass-2024"], "需同时提供"),
        (["--subdomain=okname", "--admin-email=nope", "--admin-password=Ok-pass-2024"], "邮箱格式不正确"),
        (["--subdomain=okname", "--admin-email=a@b.cn", "--admin-password=123"], "密码不符合要求"),
        (["--subdomain=okname", "--name= "], "不能为空"),
    ],
)
def test_create_school_rejects_bad_input(school_a, args, message):
    base = ["--name=某大学", "--short-name=某大"]
    with pytest.raises(CommandError, match=message):
        run("create_school", *base, *args)
    assert not School.objects.filter(subdomain="okname").exists()
    assert "okname" not in schemas()


def test_create_school_requires_its_arguments():
    with pytest.raises(CommandError, match="--subdomain"):
        run("create_school", "--name=某大学", "--short-name=某大")


# --- list_schools ----------------------------------------------------------------------------


def test_list_schools_prints_a_table(school_a, school_b):
    School.objects.filter(pk=school_b.pk).update(status=School.Status.SUSPENDED, is_ready=False)
    lines = run("list_schools").splitlines()
    header = lines[0].split()
    assert header[:6] == ["subdomain", "schema", "status", "ready", "domain", "users"]
    alpha = next(line.split() for line in lines if line.startswith("alpha "))
    beta = next(line.split() for line in lines if line.startswith("beta "))
    assert alpha[1:5] == ["alpha", "active", "yes", "alpha.localhost"]
    assert beta[1:5] == ["beta", "suspended", "no", "beta.localhost"]


def test_list_schools_as_json(school_a, school_b):
    rows = {row["subdomain"]: row for row in json.loads(run("list_schools", "--json"))}
    assert rows["alpha"]["schema"] == "alpha"
    assert rows["alpha"]["status"] == "active" and rows["alpha"]["ready"] is True
    assert rows["alpha"]["domain"] == "alpha.localhost"
    assert rows["alpha"]["name"] == "阿尔法大学"
    assert rows["alpha"]["users"] >= 1
    assert rows["alpha"]["created"]
    only_beta = json.loads(run("list_schools", "--json", "--search=贝塔"))
    assert [row["subdomain"] for row in only_beta] == ["beta"]


# --- suspend_school / reactivate_school ------------------------------------------------------


def test_suspend_and_reactivate_from_the_command_line(school_a, client_a):
    out = run("suspend_school", "alpha", "--reason=欠费")
    assert "已停用" in out
    school_a.refresh_from_db()
    assert school_a.status == School.Status.SUSPENDED and not school_a.is_ready
    assert client_a.get("/").status_code == 503

    out = run("reactivate_school", "ALPHA")
    assert "已恢复" in out and "http://alpha.localhost:8000/" in out
    school_a.refresh_from_db()
    assert school_a.is_ready and school_a.status == School.Status.ACTIVE
    assert client_a.get("/").status_code == 200
    assert list(OperatorLog.objects.filter(school=school_a).values_list("action", flat=True)[:2]) == [
        "school_reactivate",
        "school_suspend",
    ]


def test_suspend_school_errors(school_a):
    with pytest.raises(CommandError, match="没有子域名为 'nowhere' 的学校"):
        run("suspend_school", "nowhere", "--reason=x")
    with pytest.raises(CommandError, match="--reason"):
        run("suspend_school", "alpha")
    with pytest.raises(CommandError, match="停用原因"):
        run("suspend_school", "alpha", "--reason=  ")
    run("suspend_school", "alpha", "--reason=欠费")
    with pytest.raises(CommandError, match="只能停用正常运行的学校"):
        run("suspend_school", "alpha", "--reason=again")


def test_reactivate_school_errors(school_a):
    with pytest.raises(CommandError, match="没有子域名为 'nowhere' 的学校"):
        run("reactivate_school", "nowhere")
    with pytest.raises(CommandError, match="只能恢复已停用的学校"):
        run("reactivate_school", "alpha")


# --- create_operator -------------------------------------------------------------------------


def test_create_operator_makes_a_console_user_in_the_public_schema(school_a):
    out = run("create_operator", "--email=Boss@Alumni.Cloud", "--password=Boss-pass-2024", "--name=老板")
    assert "已创建运营人员 boss@alumni.cloud" in out and "http://localhost:8000/console/" in out
    user = get_user_model().objects.get(email="boss@alumni.cloud")
    assert user.is_staff and user.is_superuser and user.name == "老板"
    with inside(school_a):
        assert not get_user_model().objects.filter(email="boss@alumni.cloud").exists()

    console = Client(HTTP_HOST="localhost")
    response = console.post(
        "/console/login/", {"username": "boss@alumni.cloud", "password": "Boss-pass-2024"}
    )
    assert response.status_code == 302
    assert console.get("/console/").status_code == 200


def test_create_operator_updates_an_existing_operator():
    run("create_operator", "--email=boss@alumni.cloud", "--password=Boss-pass-2024")
    out = run(
        "create_operator", "--email=boss@alumni.cloud", "--password=New-boss-pass-2025", "--name=新名字"
    )
    assert "已更新" in out
    users = get_user_model().objects.filter(email="boss@alumni.cloud")
    assert users.count() == 1
    assert users[0].check_password("New-boss-pass-2025") and users[0].name == "新名字"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email=not-an-email", "--password=Boss-pass-2024"], "邮箱格式不正确"),
        (["--email=boss@alumni.cloud", "--password=123"], "密码"),
        (["--email=boss@alumni.cloud"], "--password"),
    ],
)
def test_create_operator_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        run("create_operator", *args)
    assert not get_user_model().objects.filter(email="boss@alumni.cloud").exists()
