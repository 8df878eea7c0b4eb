"""Values derived from the tree are cached until an organization service changes the tree."""

import datetime

import pytest

from branches import services
from branches.models import OrgType
from members.selectors import org_choices


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "tree-cache-test"}}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_org_choices_are_cached_until_the_tree_changes(world, real_cache, django_assert_num_queries):
    first = org_choices(user=world.dangwei)
    with django_assert_num_queries(0):
        assert org_choices(user=world.dangwei) == first
    services.organization_create(actor=world.zuzhibu, parent=world.institute, data={
        "name": "中共甲研究所第三支部委员会", "short_name": "第三党支部", "org_type": OrgType.BRANCH,
        "founded_on": datetime.date(2024, 1, 1),
    })
    assert any(label.strip() == "第三党支部" for _pk, label in org_choices(user=world.dangwei))


@pytest.mark.django_db(transaction=True)
def test_cached_choices_follow_the_users_own_scope(world, real_cache):
    org_choices(user=world.dangwei)
    labels = {label.strip() for _pk, label in org_choices(user=world.shuji_a)}
    assert labels == {"第一党支部"}
