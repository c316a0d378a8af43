"""The school's mark wherever it is shown: its logo, or a monogram badge drawn from its short name."""

from __future__ import annotations

import colorsys
import re
from urllib.parse import quote

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

DEFAULT_COLOUR = "#8b1a1a"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

FONT = "PingFang SC, Hiragino Sans GB, Microsoft YaHei, Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"


def _text_colour(hex_colour: str) -> str:
    """White on dark brand colours, near-black on light ones (WCAG relative luminance)."""
    try:
        r, g, b = (int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return "#fff"
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#fff" if luminance < 0.45 else "#1a1a1a"


def monogram_svg(text: str, colour: str, *, size: int = 64) -> str:
    """A round badge with up to four characters of ``text`` (two lines when longer than three)."""
    chars = (text or "?").strip()[:4] or "?"
    fg = _text_colour(colour)
    if len(chars) <= 2:
        lines, font = [chars], 0.36 if len(chars) == 2 else 0.5
    elif len(chars) == 3:
        lines, font = [chars], 0.27
    else:
        lines, font = [chars[:2], chars[2:]], 0.3
    font_px = round(size * font, 1)
    step = font_px * 1.05
    first_y = size / 2 - step * (len(lines) - 1) / 2
    tspans = "".join(
        f'<text x="50%" y="{first_y + i * step:.1f}" dominant-baseline="central" text-anchor="middle">'
        f"{escape(line)}</text>"
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="{escape(text)}">'
        f'<circle cx="{size / 2}" cy="{size / 2}" r="{size / 2}" fill="{escape(colour)}"/>'
        f'<g fill="{fg}" font-family="{FONT}" font-size="{font_px}" font-weight="700">{tspans}</g></svg>'
    )


def logo_url(school) -> str:
    """URL of the uploaded logo (platform storage, see tenants/storage.py), or '' when there is none."""
    if school is None or not school.logo:
        return ""
    return school.logo.url


@register.simple_tag
def school_badge(school, size: int = 64, css_class: str = "school-badge") -> SafeString:
    """The school's logo as an <img>, or its monogram badge as inline SVG."""
    if school is None:
        return ""
    if url := logo_url(school):
        return format_html(
            '<img class="{}" src="{}" alt="{}" width="{}" height="{}">',
            css_class,
            url,
            school.name,
            size,
            size,
        )
    svg = monogram_svg(school.short_name or school.name, school_colour(school), size=size)
    return format_html('<span class="{}">{}</span>', css_class, mark_safe(svg))  # noqa: S308 - built and escaped above


@register.simple_tag
def school_favicon_url(school) -> str:
    """A favicon URL: the logo, or the monogram as a data: URI (no extra request)."""
    if school is None:
        return ""
    return logo_url(school) or "data:image/svg+xml," + quote(
        monogram_svg(school.short_name or school.name, school_colour(school), size=64)
    )


@register.simple_tag
def school_admin_theme(school) -> str:
    """CSS custom properties that tint Wagtail's admin (sidebar, buttons) with the school's colour.

    Wagtail derives every shade from hue/saturation/lightness variables; lightness is clamped
    so white text on the sidebar and on buttons stays readable whatever colour a school picks.
    """
    if school is None:
        return ""
    colour = school_colour(school)
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    hue, saturation, lightness = hue * 360, saturation * 100, lightness * 100
    primary_l = min(max(lightness, 15), 25)
    secondary_l = min(max(lightness, 20), 32)
    return (
        f"--w-color-primary-hue: {hue:.1f}; --w-color-primary-saturation: {saturation:.1f}%; "
        f"--w-color-primary-lightness: {primary_l:.1f}%; "
        f"--w-color-secondary-hue: {hue:.1f}; --w-color-secondary-saturation: {saturation:.1f}%; "
        f"--w-color-secondary-lightness: {secondary_l:.1f}%;"
    )


@register.simple_tag
def school_colour(school) -> str:
    """The school's primary colour, safe to put into CSS (anything but #rrggbb falls back)."""
    colour = getattr(school, "primary_color", "") or ""
    return colour if _HEX.match(colour) else DEFAULT_COLOUR


@register.simple_tag
def school_text_colour(school) -> str:
    """Readable text colour on the school's primary colour."""
    return _text_colour(school_colour(school))


@register.simple_tag
def school_brand_name(school) -> str:
    """How the association names itself in titles: "<short name>校友会"."""
    if school is None:
        return ""
    return _("%(name)s校友会") % {"name": school.short_name or school.name}
