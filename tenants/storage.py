"""Storage for platform-level files (school logos), outside every school's media folder.

School rows live in the public schema and their logos are shown on the platform and in the
school alike, so they must not follow the tenant-aware default storage, which files an upload
under whichever schema happened to be active (public on sign-up, the school in its back office).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage

PLATFORM_MEDIA_DIR = "platform"  # a reserved subdomain, so no school schema has this name


def platform_storage() -> FileSystemStorage:
    return FileSystemStorage(
        location=settings.MEDIA_ROOT / PLATFORM_MEDIA_DIR,
        base_url=f"{settings.MEDIA_URL}{PLATFORM_MEDIA_DIR}/",
    )
