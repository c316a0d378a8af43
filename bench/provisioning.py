"""Creating a school: our template clone (``school_create``) against django-tenants' stock path.

Both paths produce a school a visitor can use (schema, School row, domain, Wagtail site, first
admin); they differ only in how the schema gets its tables and default content:

- clone: ``school_create`` copies the migrated ``school_template`` schema;
- stock: ``School.save()`` with ``auto_create_schema`` and no template, i.e. ``CREATE SCHEMA`` then
  ``migrate_schemas --tenant -s <schema>`` running every migration.

Prints the clone's phases too (clone SQL, first admin, ``school_provisioned`` receivers).
Goal: clone_s <= 1.0 and ratio >= 10.

    python bench/provisioning.py            # or: make bench NAME=provisioning
"""

from __future__ import annotations

import time
from collections import defaultdict
from contextlib import contextmanager

from _harness import main, median

ROUNDS = 5
PASSWORD = "Bench-pass-2024"  # noqa: S105 -- throw-away schools in a throw-away database


@contextmanager
def phase_timer(phases: dict[str, float], key: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        phases[key] += time.perf_counter() - started


@contextmanager
def instrumented(phases: dict[str, float]):
    """Time the phases of school_create by wrapping what it calls (module attributes)."""
    import tenants.services as services

    originals = {name: getattr(services, name) for name in ("clone_schema", "_school_admin_create")}
    signal = services.school_provisioned

    def timed(key: str, function):
        def run(*args, **kwargs):
            with phase_timer(phases, key):
                return function(*args, **kwargs)

        return run

    services.clone_schema = timed("clone_sql", originals["clone_schema"])
    services._school_admin_create = timed("admin", originals["_school_admin_create"])
    signal.send = timed("receivers", signal.send)  # instance attribute shadows Signal.send
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(services, name, function)
        del signal.send


def clone_create(i: int) -> None:
    from tenants.services import SchoolAdmin, school_create

    school_create(
        name=f"基准克隆大学{i}",
        short_name=f"克隆{i}",
        subdomain=f"bench-clone-{i}",
        admin=SchoolAdmin(email=f"admin@clone{i}.edu.cn", password=PASSWORD, name="管理员"),
    )


def stock_create(i: int) -> None:
    """django-tenants' own creation (no template), then the same per-school setup as ours."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import override_settings
    from django_tenants.utils import schema_context

    from tenants.models import Domain, School
    from tenants.services import SchoolAdmin
    from tenants.signals import school_provisioned

    subdomain = f"bench-stock-{i}"
    school = School(
        schema_name=subdomain.replace("-", "_"),
        name=f"基准迁移大学{i}",
        short_name=f"迁移{i}",
        subdomain=subdomain,
        status=School.Status.ACTIVE,
        is_ready=True,
    )
    school.auto_create_schema = True
    with override_settings(TENANT_CREATION_FAKES_MIGRATIONS=False):
        school.save(verbosity=0)  # CREATE SCHEMA + migrate_schemas --tenant -s <schema>
    hostname = f"{subdomain}.localhost"
    Domain.objects.create(domain=hostname, tenant=school, is_primary=True)
    admin = SchoolAdmin(email=f"admin@stock{i}.edu.cn", password=PASSWORD, name="管理员")
    with schema_context(school.schema_name):
        connection.tenant = school
        user = get_user_model()(username=admin.email, email=admin.email, is_staff=True, is_superuser=True)
        user.set_password(admin.password)
        user.save()
        school_provisioned.send(sender=School, school=school, hostname=hostname, admin=admin)
    connection.set_schema_to_public()


def body(args: list[str]) -> str:
    phases: dict[str, float] = defaultdict(float)
    clone_times, stock_times = [], []
    for i in range(ROUNDS):
        before = dict(phases)
        with instrumented(phases):
            started = time.perf_counter()
            clone_create(i)
            clone_times.append(time.perf_counter() - started)
        spent = ", ".join(f"{key} {phases[key] - before.get(key, 0):.3f}s" for key in sorted(phases))
        print(f"  clone {i + 1}/{ROUNDS}: {clone_times[-1]:.3f}s ({spent})", flush=True)
    for i in range(ROUNDS):
        started = time.perf_counter()
        stock_create(i)
        stock_times.append(time.perf_counter() - started)
        print(f"  stock {i + 1}/{ROUNDS}: {stock_times[-1]:.3f}s", flush=True)

    clone_s, migrate_s = median(clone_times), median(stock_times)
    per_round = {key: value / ROUNDS for key, value in phases.items()}
    other = sum(clone_times) / ROUNDS - sum(per_round.values())
    print(
        "  clone phases (mean per school): "
        + ", ".join(f"{key} {value:.3f}s" for key, value in sorted(per_round.items()))
        + f", rest (checks, rows, commit) {other:.3f}s",
        flush=True,
    )
    return (
        f"BENCH provisioning clone_s={clone_s:.3f} migrate_s={migrate_s:.3f} ratio={migrate_s / clone_s:.1f}"
        f" clone_sql_s={per_round['clone_sql']:.3f} admin_s={per_round['admin']:.3f}"
        f" receivers_s={per_round['receivers']:.3f} rounds={ROUNDS}"
    )


if __name__ == "__main__":
    main("provisioning", body)
