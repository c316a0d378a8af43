"""Demo content for a school's website: intro, an About page, news with cover pictures.

Called by ``saas`` ``bootstrap_demo`` inside the school's schema. Reruns only add what is
missing (pages are found by slug, pictures by title), so running it twice changes nothing.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFilter
from wagtail.images import get_image_model

from alumni.core.services import audit_record
from cms import demo_content as text
from cms.models import ArticlePage, HomePage, NewsIndexPage, NewsPage


@dataclass(frozen=True)
class DemoSiteProfile:
    """What makes one demo school's site different from another's."""

    anniversary: int
    city: str
    city_slug: str
    city2: str
    news: tuple[int, ...]  # indexes into demo_content.NEWS


def _fill(template: str, school, profile: DemoSiteProfile) -> str:
    return template.format(
        name=school.name,
        short=school.short_name,
        city=profile.city,
        city2=profile.city2,
        city_slug=profile.city_slug,
        anniv=profile.anniversary,
    )


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _mix(a, b, t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


THEME_ACCENTS = {
    "gathering": (236, 178, 70),
    "scholarship": (88, 160, 120),
    "chapter": (80, 130, 200),
    "talk": (150, 110, 190),
    "campus": (70, 160, 170),
}


def cover_jpeg(colour: str, theme: str, *, size=(960, 540)) -> bytes:
    """An abstract cover picture in the school's colour: a gradient with soft circles and lines."""
    rng = random.Random(f"{colour}-{theme}")
    base = _hex_to_rgb(colour)
    accent = THEME_ACCENTS.get(theme, (200, 200, 200))
    w, h = size
    img = PILImage.new("RGB", size)
    draw = ImageDraw.Draw(img)
    dark = _mix(base, (0, 0, 0), 0.45)
    for x in range(w):
        draw.line([(x, 0), (x, h)], fill=_mix(base, dark, x / w))
    glow = PILImage.new("RGBA", size, (0, 0, 0, 0))
    gdraw = ImageDraw.Draw(glow)
    for _ in range(7):
        r = rng.randint(60, 260)
        cx, cy = rng.randint(0, w), rng.randint(0, h)
        tint = _mix(accent, (255, 255, 255), rng.random() * 0.5)
        gdraw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(*tint, rng.randint(40, 110)))
    glow = glow.filter(ImageFilter.GaussianBlur(18))
    img.paste(glow, (0, 0), glow)
    draw = ImageDraw.Draw(img)
    for i in range(6):
        y = h * (0.55 + i * 0.07)
        draw.line([(0, y), (w, y - h * 0.35)], fill=(*_mix(base, (255, 255, 255), 0.35),), width=2)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def _cover(school, theme: str):
    image_model = get_image_model()
    title = f"演示封面 · {theme}"
    image = image_model.objects.filter(title=title).first()
    if image is None:
        data = cover_jpeg(school.primary_color, theme)
        image = image_model(title=title)
        image.file = ImageFile(io.BytesIO(data), name=f"demo-cover-{theme}.jpg")
        image.save()
    return image


def _publish(page, actor) -> None:
    page.save_revision(user=actor, log_action=True).publish(user=actor)


def demo_site_build(*, school, profile: DemoSiteProfile, actor=None) -> dict[str, int]:
    """Give the current school's site its demo intro, About page and news; return what was created."""
    created = {"news": 0, "about": 0, "home": 0}
    home = HomePage.objects.order_by("path").first()
    index = NewsIndexPage.objects.child_of(home).order_by("path").first()

    about = ArticlePage.objects.child_of(home).filter(slug="about").first()
    if about is None:
        about = ArticlePage(
            title=text.ABOUT_TITLE, slug="about", body=_fill(text.ABOUT_BODY, school, profile)
        )
        home.add_child(instance=about)
        _publish(about, actor)
        created["about"] = 1

    home = HomePage.objects.get(pk=home.pk)
    links = {block.value["link"] for block in home.services}
    about_link = about.get_url() or "/about/"
    if not home.intro or about_link not in links:
        home.welcome = _fill(text.HOME_WELCOME, school, profile)
        home.intro = _fill(text.HOME_INTRO, school, profile)
        if about_link not in links:
            home.services.append(("service", {"icon": "info", "label": "关于我们", "link": about_link}))
        _publish(home, actor)
        created["home"] = 1

    existing = set(NewsPage.objects.child_of(index).values_list("slug", flat=True))
    today = timezone.localdate()
    for position in profile.news:
        slug, title, summary, body, days_ago, theme = text.NEWS[position]
        slug = _fill(slug, school, profile)
        if slug in existing:
            continue
        page = NewsPage(
            title=_fill(title, school, profile),
            slug=slug,
            date=today - timedelta(days=days_ago),
            summary=_fill(summary, school, profile),
            body=_fill(body, school, profile),
            cover=_cover(school, theme),
            owner=actor,
        )
        index.add_child(instance=page)
        _publish(page, actor)
        audit_record(actor=actor, action="page.publish", target=page, summary=f"发布页面「{page.title}」")
        created["news"] += 1
    return created
