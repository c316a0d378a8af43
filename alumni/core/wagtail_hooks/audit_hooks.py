"""Admin writes made through Wagtail's own views land in the school's audit log.

Wagtail calls these hooks after page, user and snippet changes in the admin (single and bulk);
each one records through ``audit_record`` like every other admin write in the project.
Autosaves of a page draft (JSON requests every few seconds) are not recorded: the explicit
"save draft" and "publish" are.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.models import Page

from alumni.core.audit_actions import register_audit_actions
from alumni.core.services import audit_record

register_audit_actions(
    {
        "page.create": _("创建页面"),
        "page.edit": _("编辑页面"),
        "page.publish": _("发布页面"),
        "page.unpublish": _("取消发布页面"),
        "page.delete": _("删除页面"),
        "page.move": _("移动页面"),
        "page.copy": _("复制页面"),
        "user.create": _("创建用户"),
        "user.edit": _("编辑用户"),
        "user.delete": _("删除用户"),
        "user.import": _("导入用户"),
        "snippet.create": _("创建片段"),
        "snippet.edit": _("编辑片段"),
        "snippet.delete": _("删除片段"),
    }
)

PAGE_VERBS = {
    "page.create": "创建页面",
    "page.edit": "保存页面草稿",
    "page.publish": "发布页面",
    "page.unpublish": "取消发布页面",
    "page.delete": "删除页面",
    "page.move": "移动页面",
    "page.copy": "复制页面",
}


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _is_autosave(request) -> bool:
    return not request.accepts("text/html")


def _page_snapshot(page: Page) -> dict:
    return {"title": page.title, "slug": page.slug, "url_path": page.url_path, "live": page.live}


def _user_snapshot(user) -> dict:
    return {
        "username": user.get_username(),
        "name": getattr(user, "name", ""),
        "email": user.email,
        "phone": getattr(user, "phone", None),
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)) if user.pk else [],
    }


def _record_page(request, page: Page, action: str, *, before=None, after=None) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target=page,
        summary=f"{PAGE_VERBS[action]}「{page.title}」",
        before=before,
        after=after if after is not None else _page_snapshot(page),
        ip_address=_ip(request),
    )


@hooks.register("after_create_page")
def page_created(request, page):
    _record_page(request, page, "page.create")


@hooks.register("after_edit_page")
def page_edited(request, page):
    if not _is_autosave(request):
        _record_page(request, page, "page.edit")


@hooks.register("after_publish_page")
def page_published(request, page):
    _record_page(request, page, "page.publish")


@hooks.register("after_unpublish_page")
def page_unpublished(request, page):
    _record_page(request, page, "page.unpublish")


@hooks.register("after_delete_page")
def page_deleted(request, page):
    _record_page(request, page, "page.delete", before=_page_snapshot(page), after={})


@hooks.register("after_move_page")
def page_moved(request, page):
    _record_page(request, page, "page.move")


@hooks.register("after_copy_page")
def page_copied(request, page, new_page):
    _record_page(request, new_page, "page.copy", before=_page_snapshot(page))


# Users: the edit and delete hooks keep the "before" state from the matching before_* hook.
_BEFORE = "_audit_user_before"


@hooks.register("before_edit_user")
def user_before_edit(request, user):
    if request.method == "POST":
        setattr(request, _BEFORE, (user.pk, _user_snapshot(user)))


@hooks.register("before_delete_user")
def user_before_delete(request, user):
    if request.method == "POST":
        setattr(request, _BEFORE, (user.pk, _user_snapshot(user)))


def _record_user(request, user, action: str, summary: str, *, after: dict | None) -> None:
    pk, before = getattr(request, _BEFORE, (user.pk, None))
    if user.pk is None:
        user.pk = pk  # Django clears the pk of a deleted instance; the log keeps which row it was.
    audit_record(
        actor=request.user,
        action=action,
        target=user,
        summary=summary,
        before=before,
        after=after,
        ip_address=_ip(request),
    )


@hooks.register("after_create_user")
def user_created(request, user):
    _record_user(request, user, "user.create", f"创建用户「{user}」", after=_user_snapshot(user))


@hooks.register("after_edit_user")
def user_edited(request, user):
    _record_user(request, user, "user.edit", f"编辑用户「{user}」", after=_user_snapshot(user))


@hooks.register("after_delete_user")
def user_deleted(request, user):
    _record_user(request, user, "user.delete", f"删除用户「{user}」", after={})


# Snippets (any model registered as a snippet).
def _record_snippet(request, obj, action: str, verb: str) -> None:
    audit_record(
        actor=request.user,
        action=action,
        target=obj,
        summary=f"{verb}{obj._meta.verbose_name}「{obj}」",
        ip_address=_ip(request),
    )


@hooks.register("after_create_snippet")
def snippet_created(request, instance):
    _record_snippet(request, instance, "snippet.create", "创建")


@hooks.register("after_edit_snippet")
def snippet_edited(request, instance):
    if not _is_autosave(request):
        _record_snippet(request, instance, "snippet.edit", "编辑")


@hooks.register("after_delete_snippet")
def snippets_deleted(request, instances):
    for instance in instances:
        _record_snippet(request, instance, "snippet.delete", "删除")


# Bulk actions from listings: one entry per object, with the same codes as the single actions.
BULK_PAGE_ACTIONS = {
    "publish": "page.publish",
    "unpublish": "page.unpublish",
    "delete": "page.delete",
    "move": "page.move",
}
BULK_USER_ACTIONS = {"delete": "user.delete", "set_active_state": "user.edit", "assign_role": "user.edit"}


@hooks.register("after_bulk_action")
def bulk_action_done(request, action_type, objects, action_class_instance):
    for obj in objects:
        if isinstance(obj, Page) and action_type in BULK_PAGE_ACTIONS:
            _record_page(request, obj, BULK_PAGE_ACTIONS[action_type])
        elif obj._meta.label_lower == request.user._meta.label_lower and action_type in BULK_USER_ACTIONS:
            audit_record(
                actor=request.user,
                action=BULK_USER_ACTIONS[action_type],
                target=obj,
                summary=f"批量操作用户「{obj}」（{action_type}）",
                after=_user_snapshot(obj) if action_type != "delete" else {},
                ip_address=_ip(request),
            )
