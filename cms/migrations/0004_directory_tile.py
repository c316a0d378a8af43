"""Add the 校友录 (alumni directory) and 校友档案 tiles to home pages that still have the default tiles."""

from django.db import migrations

NEW_TILES = [
    {"type": "service", "value": {"icon": "group", "label": "校友录", "link": "/alumni/directory/"}},
    {"type": "service", "value": {"icon": "card", "label": "校友档案", "link": "/alumni/"}},
]


def add_tiles(apps, schema_editor):
    HomePage = apps.get_model("cms.HomePage")
    for home in HomePage.objects.all():
        services = list(home.services.raw_data)
        links = {tile.get("value", {}).get("link") for tile in services}
        added = [tile for tile in NEW_TILES if tile["value"]["link"] not in links]
        if added:
            # After 校友动态, before the rest: the first things an alumnus looks for.
            home.services = services[:1] + added + services[1:]
            home.save(update_fields=["services"])


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("cms", "0003_service_icon_info")]
    operations = [migrations.RunPython(add_tiles, noop)]
