import pytest

from tenants.models import School


def test_two_schools_exist(school_a, school_b):
    assert school_a.is_ready and school_b.is_ready
    assert school_a.schema_name != school_b.schema_name


@pytest.mark.django_db(transaction=True)
def test_transactional_flush_does_not_lose_the_session_schools(school_a):
    assert School.objects.filter(pk=school_a.pk).exists()


def test_session_schools_are_back_after_a_flush(school_a, school_b):
    assert {school_a.subdomain, school_b.subdomain} == {"alpha", "beta"}


def test_school_data_survives_transactional_tests(in_school_a):
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(email="admin@alpha.edu.cn").exists()
