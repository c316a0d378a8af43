"""H5 pages for alumni, mounted at /messages/: 我的消息 (in-app notices).

Other messaging features add their pages in views_<area>.py modules and url lines in urls.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from alumni.messaging.selectors.logs import notice_for_user, notice_unread_count, notices_for_user
from alumni.messaging.services.notices import notice_mark_all_read, notice_mark_read

PAGE_SIZE = 20


@login_required
def notices(request):
    """我的消息: the user's notices, newest first, unread ones highlighted."""
    page = Paginator(notices_for_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "messaging/h5/notices.html",
        {"page": page, "unread": notice_unread_count(request.user)},
    )


@login_required
def notice_detail(request, notice_id: int):
    """One notice in full; opening it marks it read."""
    notice = notice_for_user(request.user, notice_id)
    if notice is None:
        raise Http404("没有这条消息")
    notice_mark_read(user=request.user, notice_id=notice.pk)
    # Only links on this site (or relative ones) are followed: a notice must not become an
    # open redirect.
    safe_url = (
        notice.url
        if notice.url
        and url_has_allowed_host_and_scheme(
            notice.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return render(request, "messaging/h5/notice.html", {"notice": notice, "link": safe_url})


@login_required
@require_POST
def notices_read_all(request):
    """Mark every notice read, then back to the list."""
    changed = notice_mark_all_read(user=request.user)
    if changed:
        messages.success(request, f"已将 {changed} 条消息标为已读。")
    return redirect("messaging:notices")
