"""Storage for platform-level files (school logos), outside every school's media folder.

School rows live in the public schema and their logos are shown on the platform and in the
school alike, so they must not follow the tenant-aware default storage, which files an upload
under whichever schema happened to be active (public on sign-up, the school in its back office).
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property

PLATFORM_MEDIA_DIR = "platform"  # a reserved subdomain, so no school schema has this name


class PlatformStorage(FileSystemStorage):
    """MEDIA_ROOT/platform/, served at MEDIA_URL/platform/; follows MEDIA_ROOT when it changes."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, PLATFORM_MEDIA_DIR)

    @cached_property
    def base_url(self):
        return f"{settings.MEDIA_URL}{PLATFORM_MEDIA_DIR}/"


def platform_storage() -> PlatformStorage:
    return PlatformStorage()
