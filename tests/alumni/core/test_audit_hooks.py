"""Writes made through Wagtail's own admin views land in the school's audit log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from alumni.core.models import AuditEntry
from cms.models import NewsIndexPage, NewsPage
from tests.conftest import inside


def news_form(title: str, slug: str, **extra) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": slug,
            "date": "2026-10-01",
            "summary": "摘要",
            "body": rich_text("<p>正文内容</p>"),
            "comments": inline_formset([]),
            **extra,
        }
    )


def actions(school) -> list[tuple[str, str]]:
    with inside(school):
        # The school's own creation opens every log; these tests are about what came after.
        entries = AuditEntry.objects.exclude(action="school.provisioned").order_by("id")
        return list(entries.values_list("action", "summary"))


def test_publishing_a_page_in_the_admin_is_audited(school_a, school_b, admin_a, admin_client_a):
    with inside(school_a):
        index = NewsIndexPage.objects.get()
    response = admin_client_a.post(
        f"/admin/pages/add/cms/newspage/{index.pk}/",
        {**news_form("返校日通知", "homecoming"), "action-publish": "action-publish"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    with inside(school_a):
        page = NewsPage.objects.get(slug="homecoming")
        assert page.live
        published = AuditEntry.objects.get(action="page.publish")
    assert published.actor == admin_a
    assert published.summary == "发布页面「返校日通知」"
    assert published.object_type == "cms.newspage" and published.object_id == str(page.pk)
    assert published.after["live"] is True
    assert published.ip_address == "192.0.2.10"
    assert sorted(a for a, _ in actions(school_a)) == ["page.create", "page.publish"]
    assert actions(school_b) == []


def test_draft_unpublish_and_delete_are_audited(school_a, admin_client_a):
    with inside(school_a):
        index = NewsIndexPage.objects.get()
        page = NewsPage(title="招聘会", slug="jobs", body="<p>x</p>")
        index.add_child(instance=page)

    admin_client_a.post(f"/admin/pages/{page.pk}/edit/", news_form("招聘会（更新）", "jobs"))
    admin_client_a.post(f"/admin/pages/{page.pk}/unpublish/")
    admin_client_a.post(f"/admin/pages/{page.pk}/delete/")

    assert actions(school_a) == [
        ("page.edit", "保存页面草稿「招聘会（更新）」"),
        # The saved draft is not live: the page keeps its published title until it is published.
        ("page.unpublish", "取消发布页面「招聘会」"),
        ("page.delete", "删除页面「招聘会」"),
    ]
    with inside(school_a):
        deleted = AuditEntry.objects.get(action="page.delete")
        assert not NewsPage.objects.filter(pk=page.pk).exists()
    assert deleted.object_id == str(page.pk) and deleted.before["slug"] == "jobs"


def test_autosave_of_a_draft_is_not_audited(school_a, admin_client_a):
    with inside(school_a):
        index = NewsIndexPage.objects.get()
        page = NewsPage(title="草稿", slug="draft", body="<p>x</p>")
        index.add_child(instance=page)
    response = admin_client_a.post(
        f"/admin/pages/{page.pk}/edit/", news_form("草稿 2", "draft"), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert actions(school_a) == []


def test_user_create_edit_delete_in_the_admin_are_audited(school_a, admin_client_a):
    response = admin_client_a.post(
        "/admin/users/new/",
        {
            "username": "newadmin",
            "email": "newadmin@alpha.edu.cn",
            "first_name": "新",
            "last_name": "管理员",
            "password1": "Strong-pass-2026",
            "password2": "Strong-pass-2026",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    with inside(school_a):
        user = get_user_model().objects.get(username="newadmin")

    admin_client_a.post(
        f"/admin/users/edit/{user.pk}/",
        {
            "username": "newadmin",
            "email": "changed@alpha.edu.cn",
            "first_name": "新",
            "last_name": "管理员",
            "is_active": "on",
        },
    )
    admin_client_a.post(f"/admin/users/delete/{user.pk}/")

    with inside(school_a):
        log = list(AuditEntry.objects.filter(object_type="users.user").order_by("id"))
    assert [e.action for e in log] == ["user.create", "user.edit", "user.delete"]
    created, edited, deleted = log
    assert created.after["is_superuser"] is True and "password" not in str(created.after)
    assert (
        edited.before["email"] == "newadmin@alpha.edu.cn" and edited.after["email"] == "changed@alpha.edu.cn"
    )
    assert deleted.object_id == str(user.pk) and deleted.before["username"] == "newadmin"
