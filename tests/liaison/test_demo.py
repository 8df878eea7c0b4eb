"""The demo liaison work (liaison.demo, part of `seed_demo`): replaying the services' checks on it finds nothing,
and it leaves the gaps a review should show (高知 without a liaison, idle liaison persons, overdue talks, open
requests)."""

from collections import Counter, defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max
from django.utils import timezone

from branches.demo import build_demo
from branches.models import CommitteePosition, CommitteeSeat, Organization, OrgType, Role
from liaison import rules as rulesmod
from liaison import selectors, services
from liaison.models import (
    FollowUp,
    FollowUpStatus,
    LiaisonPair,
    LiaisonRole,
    PairKind,
    Review,
    TalentProfile,
    Talk,
)
from members.codes import MemberCategory, PoliticalStatus
from members.models import Person

pytestmark = pytest.mark.django_db
PARTY = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            lines: list[str] = []
            build_demo("small", seed=7, log=lines.append)
            yield lines
            transaction.set_rollback(True)


def institutes():
    return Organization.objects.filter(depth=2, org_type=OrgType.COMMITTEE).order_by("path")


def user(username: str):
    return get_user_model().objects.get(username=username)


def test_the_build_reports_its_counts(demo):
    line = next(line for line in demo if line.startswith("党外人才"))
    assert f"党外人才 {TalentProfile.objects.count()} 人" in line
    assert f"谈心谈话 {Talk.objects.count()} 次" in line


def test_pool_holds_every_non_party_person_at_their_institute(demo):
    assert not TalentProfile.objects.filter(person__political_status__in=PARTY).exists()
    non_party = Person.objects.exclude(political_status__in=PARTY).filter(organization__depth__gte=2)
    assert TalentProfile.objects.count() == non_party.count() > 0
    for profile in TalentProfile.objects.select_related("person__organization", "organization"):
        assert profile.organization.depth == 2
        assert profile.organization.org_type == OrgType.COMMITTEE
        assert profile.person.organization.path.startswith(profile.organization.path)
        assert profile.added_on <= timezone.localdate()
        assert profile.removed_on is None
    assert TalentProfile.objects.exclude(programmes="").exists()
    assert TalentProfile.objects.exclude(research_field="").count() > TalentProfile.objects.count() * 0.9


def test_institute_committees_have_seats_and_one_secretary(demo):
    for institute in institutes():
        seats = list(CommitteeSeat.objects.filter(organization=institute, ends_on__isnull=True)
                     .select_related("person__membership"))
        assert 5 <= len(seats) <= 9, institute
        secretaries = [s for s in seats if s.position == CommitteePosition.SECRETARY]
        assert len(secretaries) == 1
        assert institute.secretary_name == secretaries[0].person.name
        for seat in seats:
            membership = seat.person.membership
            assert membership.category == MemberCategory.FULL
            assert membership.has_vote
            assert seat.starts_on >= membership.converted_on
            assert seat.person.organization.path.startswith(institute.path)
    dangwei = Person.objects.get(user__username="dangwei")
    institute = Role.objects.get(user__username="dangwei").organization
    assert CommitteeSeat.objects.filter(organization=institute, person=dangwei, ends_on__isnull=True).exists()
    # The branch committees are kept as they were.
    assert CommitteeSeat.objects.filter(organization__org_type__in=OrgType.branch_types(),
                                        position=CommitteePosition.SECRETARY).exists()


def test_pairs_replay_the_services_checks(demo):
    today = timezone.localdate()
    rules = rulesmod.current(today)
    pairs = list(LiaisonPair.objects.select_related("organization", "liaison__organization", "liaison__membership",
                                                    "talent__person__organization", "talent__organization"))
    assert {p.kind for p in pairs} == {PairKind.LIAISON, PairKind.PAIRING}
    roles = Counter(p.liaison_role for p in pairs if p.kind == PairKind.LIAISON)
    assert roles[LiaisonRole.COMMITTEE]
    assert roles[LiaisonRole.BRANCH_SECRETARY]
    for pair in pairs:
        assert pair.liaison.political_status in PARTY
        assert pair.talent.person.political_status not in PARTY
        assert pair.liaison.organization.path.startswith(pair.organization.path)
        assert pair.talent.organization.path.startswith(pair.organization.path)
        assert pair.talent.added_on <= pair.started_on <= today
        assert pair.ended_on is None or (pair.started_on <= pair.ended_on <= today and pair.end_reason)
        if pair.kind == PairKind.LIAISON:
            assert pair.liaison_role in rules.liaison_roles
            assert services._holds_seat(pair.liaison, pair.organization, pair.liaison_role, pair.started_on), pair
        else:
            assert pair.liaison_role == LiaisonRole.BACKBONE
            assert pair.liaison.political_status == PoliticalStatus.CPC_MEMBER
            assert pair.liaison.organization_id == pair.talent.person.organization_id
    open_by_liaison = Counter((p.liaison_id, p.kind) for p in pairs if p.ended_on is None)
    assert max(n for (_, kind), n in open_by_liaison.items() if kind == PairKind.LIAISON) <= rules.n("pairs_max")
    assert max(n for (_, kind), n in open_by_liaison.items() if kind == PairKind.PAIRING) == 1
    # Ended pairs were replaced: the person has an open pair that started when or after the old one ended.
    ended = [p for p in pairs if p.ended_on is not None]
    assert ended
    successors = defaultdict(list)
    for p in pairs:
        if p.ended_on is None:
            successors[p.talent_id].append(p.started_on)
    for p in ended:
        assert any(start >= p.ended_on for start in successors[p.talent_id]), p


def test_talks_lie_within_their_pair_and_last_talk_is_kept(demo):
    today = timezone.localdate()
    assert Talk.objects.count() > LiaisonPair.objects.count() * 3
    assert not Talk.objects.filter(held_on__lt=F("pair__started_on")).exists()
    assert not Talk.objects.filter(held_on__gt=F("pair__ended_on")).exists()
    assert not Talk.objects.filter(held_on__gt=today).exists()
    latest = dict(LiaisonPair.objects.annotate(m=Max("talks__held_on")).values_list("pk", "m"))
    assert dict(LiaisonPair.objects.values_list("pk", "last_talk_on")) == latest
    assert not Talk.objects.filter(topics="").exists()


def test_private_notes_on_some_talks_only(demo):
    total = Talk.objects.count()
    private = Talk.objects.exclude(private_notes="").count()
    assert 0.05 * total < private < 0.3 * total
    assert Talk.objects.filter(private_notes="").count() == total - private  # empty string, never NULL


def test_follow_ups_are_owned_dated_and_mostly_closed_when_due(demo):
    today = timezone.localdate()
    items = list(FollowUp.objects.select_related("talk__pair__liaison"))
    assert items
    assert any(i.is_request for i in items)
    assert not all(i.is_request for i in items)
    for item in items:
        assert item.owner == item.talk.pair.liaison.name
        assert item.due_on >= item.talk.held_on
        if item.status == FollowUpStatus.OPEN:
            assert item.done_on is None
        else:
            assert item.talk.held_on <= item.done_on <= today
            assert item.result
    past_due = [i for i in items if i.due_on < today]
    closed = [i for i in past_due if i.status != FollowUpStatus.OPEN]
    assert 0.5 * len(past_due) <= len(closed) < len(past_due)


def test_dangwei_keeps_two_pairs_one_overdue_with_an_open_request(demo):
    dangwei = user("dangwei")
    mine = selectors.my_pairs(user=dangwei)
    assert len(mine) == 2
    assert all(m.pair.kind == PairKind.LIAISON and m.pair.talks.exists() for m in mine)
    assert [m.overdue for m in mine].count(True) == 1
    requests = FollowUp.objects.filter(talk__pair__liaison__user=dangwei, status=FollowUpStatus.OPEN,
                                       is_request=True)
    assert requests.count() == 1
    assert requests.get().talk.pair.last_talk_on == requests.get().talk.held_on
    assert LiaisonPair.objects.filter(liaison__user=dangwei, ended_on__isnull=True).count() == 2


def test_the_review_has_gaps_to_show(demo):
    admin = user("admin")
    open_pairs = LiaisonPair.objects.filter(ended_on__isnull=True).count()
    overdue = selectors.pairs(user=admin, params={"overdue": "1"}).count()
    assert 0 < overdue < open_pairs / 2
    assert selectors.pool(user=admin, params={"uncovered": "1"}).exists()
    covered = selectors.pool(user=admin, params={"high_knowledge": "1"}).filter(pair_count__gt=0).count()
    assert covered > 0
    seated = set(CommitteeSeat.objects.filter(organization__depth=2, ends_on__isnull=True)
                 .values_list("person_id", flat=True))
    keeping = set(LiaisonPair.objects.filter(ended_on__isnull=True, kind=PairKind.LIAISON)
                  .values_list("liaison_id", flat=True))
    assert seated - keeping, "some liaison persons keep nobody"
    assert FollowUp.objects.filter(status=FollowUpStatus.OPEN, is_request=True).exists()


def test_each_institute_has_a_review_per_past_year(demo):
    today = timezone.localdate()
    per_org = dict(Review.objects.values("organization").annotate(n=Count("pk")).values_list("organization", "n"))
    years = set(Review.objects.values_list("reviewed_on__year", flat=True))
    assert max(years) == today.year - 1
    for institute in institutes():
        assert per_org[institute.pk] == len(years)
        assert not Review.objects.filter(organization=institute, reviewed_on__gt=today).exists()
    assert not Review.objects.filter(conclusions="").exists()
    latest = Review.objects.filter(organization=institutes().first()).order_by("-reviewed_on").first()
    assert latest.snapshot["pool"] > 0
    assert "uncovered" in latest.snapshot
