"""Add the 校友活动 and 校友组织 tiles to home pages that do not link to them yet."""

from django.db import migrations

NEW_TILES = [
    {"type": "service", "value": {"icon": "event", "label": "校友活动", "link": "/events/"}},
    {"type": "service", "value": {"icon": "group", "label": "校友组织", "link": "/orgs/"}},
]


def add_tiles(apps, schema_editor):
    HomePage = apps.get_model("cms.HomePage")
    for home in HomePage.objects.all():
        services = list(home.services.raw_data)
        links = {tile.get("value", {}).get("link") for tile in services}
        added = [tile for tile in NEW_TILES if tile["value"]["link"] not in links]
        if added:
            # Before 我的 (the last tile), where an alumnus looks for what the association offers.
            home.services = services[:-1] + added + services[-1:] if services else added
            home.save(update_fields=["services"])


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("cms", "0004_directory_tile")]
    operations = [migrations.RunPython(add_tiles, noop)]
