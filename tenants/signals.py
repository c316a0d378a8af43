"""Seams between the platform and the apps that live inside a school.

``school_provisioned`` is sent inside the provisioning transaction, with the connection already
switched to the new school's schema. Receivers (cms, alumni.core, alumni.accounts) give the new
school its own content: the Wagtail Site's hostname, the home page's title, the first admin.
A receiver that raises aborts the whole provisioning, leaving no schema, domain or row behind.

Arguments: ``school`` (School), ``hostname`` (str), ``admin`` (dict with ``email``, ``password``,
``name``; may be empty for a school created without an admin).
"""

from django.dispatch import Signal

school_provisioned = Signal()
