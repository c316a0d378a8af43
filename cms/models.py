"""Each school's public pages: the alumni service hall (home) and its news."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index


class ServiceBlock(blocks.StructBlock):
    """One tile in the service hall: an icon, a label and where it leads."""

    icon = blocks.ChoiceBlock(
        choices=[
            ("card", "校友卡"),
            ("event", "活动"),
            ("donate", "捐赠"),
            ("group", "校友组织"),
            ("news", "新闻"),
            ("profile", "我的"),
            ("star", "名人堂"),
            ("mail", "消息"),
            ("info", "关于"),
        ],
        label=_("图标"),
    )
    label = blocks.CharBlock(label=_("名称"), max_length=12)
    link = blocks.CharBlock(label=_("链接"), help_text=_("站内路径，如 /accounts/me/"))

    class Meta:
        icon = "link"
        label = _("服务入口")


class HomePage(Page):
    """The school's H5 home: greeting, service tiles and the latest news."""

    welcome = models.CharField(_("欢迎语"), max_length=120, blank=True)
    intro = RichTextField(_("校友会简介"), blank=True, features=["bold", "italic", "link"])
    services = StreamField([("service", ServiceBlock())], blank=True, verbose_name=_("服务大厅"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("welcome"),
        FieldPanel("intro"),
        FieldPanel("services"),
    ]
    subpage_types = ["cms.NewsIndexPage", "cms.ArticlePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = (
            NewsPage.objects.live().descendant_of(self).select_related("cover").order_by("-date", "-id")[:5]
        )
        return context


class NewsIndexPage(Page):
    intro = RichTextField(_("简介"), blank=True)

    per_page = 10

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]

    class Meta:
        verbose_name = _("新闻栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        news = NewsPage.objects.live().child_of(self).select_related("cover").order_by("-date", "-id")
        # get_page() clamps bad or out-of-range ?page= values instead of raising.
        context["news_items"] = Paginator(news, self.per_page).get_page(request.GET.get("page"))
        return context


class NewsPage(Page):
    date = models.DateField(_("日期"), default=timezone.localdate)
    summary = models.CharField(_("摘要"), max_length=200, blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = RichTextField(_("正文"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("summary"),
        FieldPanel("cover"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("新闻")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["more_news"] = (
            NewsPage.objects.live()
            .sibling_of(self, inclusive=False)
            .select_related("cover")
            .order_by("-date", "-id")[:3]
        )
        return context


class ArticlePage(Page):
    """A standalone page: about the association, contact, statutes."""

    body = RichTextField(_("正文"))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("文章")
