"""Replace Wagtail's "Welcome" page with the school home page and a news section.

This runs in the template schema, so every cloned school starts with the same tree; provisioning
then gives the home page the school's name and the Site its hostname.
"""

from django.db import migrations

DEFAULT_SERVICES = [
    {"type": "service", "value": {"icon": "news", "label": "校友动态", "link": "/news/"}},
    {"type": "service", "value": {"icon": "profile", "label": "我的", "link": "/accounts/me/"}},
]


def create_home(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")
    NewsIndexPage = apps.get_model("cms.NewsIndexPage")
    Locale = apps.get_model("wagtailcore.Locale")
    locale = Locale.objects.order_by("pk").first()

    Page.objects.filter(slug="home", depth=2).delete()
    home_ct, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    news_ct, _ = ContentType.objects.get_or_create(app_label="cms", model="newsindexpage")

    home = HomePage.objects.create(
        title="校友之家",
        draft_title="校友之家",
        slug="home",
        content_type=home_ct,
        path="00010001",
        depth=2,
        numchild=1,
        url_path="/home/",
        live=True,
        locale=locale,
        welcome="欢迎回家，校友！",
        services=DEFAULT_SERVICES,
    )
    NewsIndexPage.objects.create(
        title="校友动态",
        draft_title="校友动态",
        slug="news",
        content_type=news_ct,
        path="000100010001",
        depth=3,
        numchild=0,
        url_path="/home/news/",
        live=True,
        locale=locale,
        intro="<p>母校与校友会的最新消息。</p>",
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page_id=home.id, is_default_site=True, site_name="校友之家"
    )


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial"), ("wagtailcore", "0098_apitoken")]
    operations = [migrations.RunPython(create_home, noop)]
