"""A stand-in for "a migration added in a later release", used by the template-drift test.

The test points ``MIGRATION_MODULES["rest_framework"]`` (a tenant app without migrations of its
own) at this package, so the project suddenly has one more migration that creates a table, exactly
as when a developer adds a migration and deploys.
"""
