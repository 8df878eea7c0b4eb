"""The pipeline's rules, through the service the form and the API call: refusals explain themselves and save
nothing; time limits broken are recorded as violations; stages, dates and membership follow the steps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.codes import MemberCategory, PoliticalStatus
from members.models import TrainingRecord
from recruitment import checks, services
from recruitment.checks import StepInput
from recruitment.models import (
    Outcome,
    Pipeline,
    PipelineStatus,
    Stage,
    StepRecord,
    Supporter,
    WorkdayOverride,
)
from recruitment.rules import rules_for
from tests.factories import PersonFactory, make_member

from .helpers import d, record, vote_for, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline(world, applicant):
    return services.pipeline_open(actor=world.shuji_a, person=applicant, applied_on=d("2023-03-01"))


def walk(pipeline, last, world, committee_user, full_members):
    return walk_to(pipeline, last, branch_user=world.shuji_a, committee_user=committee_user,
                   contacts=full_members[1:3], sponsors=full_members[0:2])


def refused(fn, *fragments):
    before = StepRecord.objects.count(), Supporter.objects.count()
    with pytest.raises(ValidationError) as exc:
        fn()
    text = "；".join(exc.value.messages)
    for fragment in fragments:
        assert fragment in text, text
    assert (StepRecord.objects.count(), Supporter.objects.count()) == before
    return text


def test_the_whole_pipeline_from_application_to_full_member(world, pipeline, committee_user, full_members):
    assert pipeline.stage == Stage.APPLICANT
    assert pipeline.next_step == "talk"
    assert pipeline.next_due_on == d("2023-04-01")
    walk(pipeline, "approval", world, committee_user, full_members)
    person = pipeline.person
    person.refresh_from_db()
    assert pipeline.stage == Stage.PROBATIONARY
    assert pipeline.admitted_on == d("2024-07-01")
    assert pipeline.probation_ends_on == d("2025-07-01")
    assert person.political_status == PoliticalStatus.CPC_PROBATIONARY
    assert person.membership.category == MemberCategory.PROBATIONARY
    assert person.membership.admitted_on == d("2024-07-01")
    assert TrainingRecord.objects.get(person=person).class_hours == 24
    assert Supporter.objects.filter(pipeline=pipeline, role="sponsor", ended_on=None).count() == 2

    walk(pipeline, "archive", world, committee_user, full_members)
    person.refresh_from_db()
    person.membership.refresh_from_db()
    assert pipeline.stage == Stage.FULL
    assert pipeline.status == PipelineStatus.COMPLETED
    assert person.political_status == PoliticalStatus.CPC_MEMBER
    # 党龄 counts from the end of probation, not from the approval date.
    assert person.membership.converted_on == d("2025-07-01")
    assert pipeline.steps.count() == 21


def test_applicant_under_eighteen_is_refused(world):
    young = PersonFactory(organization=world.branch_a, birth_date=datetime.date(2009, 1, 10))
    text = refused(lambda: services.pipeline_open(actor=world.shuji_a, person=young, applied_on=d("2026-11-01")),
                   "年满18周岁", "2027年1月10日")
    assert "申请入党" in text
    assert not Pipeline.objects.exists()


def test_party_member_cannot_apply(world):
    with pytest.raises(ValidationError, match="已是中共党员"):
        services.pipeline_open(actor=world.shuji_a, person=world.member_a, applied_on=d("2026-11-01"))


def test_candidate_before_a_full_year_as_activist_says_how_long_is_left(world, pipeline, committee_user,
                                                                       full_members):
    walk(pipeline, "assessment", world, committee_user, full_members)
    text = refused(lambda: record(pipeline, "candidate", "2024-04-01", branch_user=world.shuji_a,
                                  committee_user=committee_user),
                   "满12个月后", "2024年5月1日以后", "还差30天")
    assert "确定发展对象" in text
    pipeline.refresh_from_db()
    assert pipeline.stage == Stage.ACTIVIST


def test_step_out_of_order_is_refused(world, pipeline, committee_user):
    refused(lambda: record(pipeline, "candidate", "2026-01-10", branch_user=world.shuji_a,
                           committee_user=committee_user), "须先完成", "4. 报上级党委备案", "6. 培养教育考察")
    refused(lambda: record(pipeline, "approval", "2026-01-10", branch_user=world.shuji_a,
                           committee_user=committee_user), "须先完成", "上级党委派人谈话")


def test_future_date_and_repeated_step_are_refused(world, pipeline, committee_user):
    refused(lambda: record(pipeline, "talk", "2099-01-01", branch_user=world.shuji_a,
                           committee_user=committee_user), "晚于今天")
    record(pipeline, "talk", "2023-03-20", branch_user=world.shuji_a, committee_user=committee_user)
    refused(lambda: record(pipeline, "talk", "2023-03-25", branch_user=world.shuji_a,
                           committee_user=committee_user), "已经记录过")


def test_date_before_the_previous_step_is_refused(world, pipeline, committee_user):
    refused(lambda: record(pipeline, "talk", "2023-02-01", branch_user=world.shuji_a,
                           committee_user=committee_user), "不能早于", "递交入党申请书")


def test_late_talk_is_recorded_with_its_violation(world, pipeline, committee_user):
    step = record(pipeline, "talk", "2023-05-15", branch_user=world.shuji_a, committee_user=committee_user)
    assert step.violations == ["“党组织派人谈话”应在“递交入党申请书”（2023年3月1日）后1个月内完成，即2023年4月1日以前；超期44天。"]


@pytest.mark.parametrize(("which", "message"), [
    ("one", "应为2名正式党员，现为1名"),
    ("probationary", "不是正式党员"),
    ("suspended", "留党察看"),
    ("self", "不能担任自己的"),
])
def test_sponsors_must_be_two_full_members_in_good_standing(world, pipeline, committee_user, full_members, which,
                                                            message):
    walk(pipeline, "candidate_filing", world, committee_user, full_members)
    good = full_members[0]
    if which == "one":
        people = [good]
    elif which == "probationary":
        people = [good, make_member(world.branch_a, category=MemberCategory.PROBATIONARY)]
    elif which == "suspended":
        bad = make_member(world.branch_a)
        bad.membership.rights_suspended = True
        bad.membership.save()
        people = [good, bad]
    else:
        people = [good, pipeline.person]
    refused(lambda: record(pipeline, "sponsors", "2024-05-12", branch_user=world.shuji_a,
                           committee_user=committee_user, supporters=people), message)


def test_contacts_are_one_or_two(world, pipeline, committee_user, full_members):
    walk(pipeline, "activist_filing", world, committee_user, full_members)
    refused(lambda: record(pipeline, "contacts", "2023-05-10", branch_user=world.shuji_a,
                           committee_user=committee_user, supporters=full_members), "1至2名", "现为3名")


def test_training_needs_three_days_or_twenty_four_hours(world, pipeline, committee_user, full_members):
    walk(pipeline, "political_review", world, committee_user, full_members)
    refused(lambda: record(pipeline, "training", "2024-06-05", branch_user=world.shuji_a,
                           committee_user=committee_user, details={"days": 2, "class_hours": 16}),
            "不少于3天或24学时")
    record(pipeline, "training", "2024-06-05", branch_user=world.shuji_a, committee_user=committee_user,
           details={"days": 1, "class_hours": 24})


def test_failed_political_review_stops_the_pipeline(world, pipeline, committee_user, full_members):
    walk(pipeline, "sponsors", world, committee_user, full_members)
    record(pipeline, "political_review", "2024-06-01", branch_user=world.shuji_a, committee_user=committee_user,
           outcome=Outcome.FAILED, conclusion="政审不合格")
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.STOPPED
    assert pipeline.end_reason == "政审不合格"
    refused(lambda: record(pipeline, "training", "2024-06-05", branch_user=world.shuji_a,
                           committee_user=committee_user, details={"days": 3}), "已终止")


def test_committee_steps_need_the_committee(world, pipeline, committee_user, full_members):
    walk(pipeline, "branch_review", world, committee_user, full_members)
    with pytest.raises(PermissionDenied, match="上级党委"):
        services.step_record(actor=world.shuji_a, pipeline=pipeline,
                             data=StepInput(step="pre_review", done_on=d("2024-06-20")))
    # dangwei (党委委员) may see but has no recruitment capability.
    with pytest.raises(PermissionDenied):
        services.step_record(actor=world.dangwei, pipeline=pipeline,
                             data=StepInput(step="pre_review", done_on=d("2024-06-20")))
    assert not StepRecord.objects.filter(step="pre_review").exists()


@pytest.mark.parametrize(("counts", "message"), [
    ({"present": 5, "yes": 5, "no": 0}, "未超过半数，会议无效"),
    ({"present": 8, "yes": 5, "no": 3}, "决议未通过"),
])
def test_admission_vote_follows_the_quorum_and_passing_rule(world, pipeline, committee_user, full_members, counts,
                                                            message):
    walk(pipeline, "application_form", world, committee_user, full_members)
    vote = vote_for(world.branch_a, pipeline.person, d("2024-07-01"), expected=10, **counts)
    refused(lambda: record(pipeline, "admission_vote", "2024-07-01", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=vote), message)


def test_admission_vote_about_someone_else_or_on_another_day_is_refused(world, pipeline, committee_user,
                                                                        full_members):
    walk(pipeline, "application_form", world, committee_user, full_members)
    other = vote_for(world.branch_a, full_members[0], d("2024-07-01"))
    refused(lambda: record(pipeline, "admission_vote", "2024-07-01", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=other), "表决对象不是")
    vote = vote_for(world.branch_a, pipeline.person, d("2024-07-01"))
    refused(lambda: record(pipeline, "admission_vote", "2024-07-03", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=vote), "2024年7月1日")


def test_late_approval_is_a_violation(world, pipeline, committee_user, full_members):
    walk(pipeline, "committee_talk", world, committee_user, full_members)
    step = record(pipeline, "approval", "2024-11-15", branch_user=world.shuji_a, committee_user=committee_user)
    assert len(step.violations) == 1
    assert "3个月内" in step.violations[0]
    assert "超期" in step.violations[0]


def test_conversion_before_probation_ends_is_refused(world, pipeline, committee_user, full_members):
    walk(pipeline, "conversion_request", world, committee_user, full_members)
    vote = vote_for(world.branch_a, pipeline.person, d("2025-06-25"), subject="转正")
    refused(lambda: record(pipeline, "conversion_vote", "2025-06-25", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=vote), "预备期至2025年7月1日届满", "还差6天")


def test_extension_once_then_conversion(world, pipeline, committee_user, full_members):
    walk(pipeline, "conversion_request", world, committee_user, full_members)
    vote = vote_for(world.branch_a, pipeline.person, d("2025-07-02"), subject="延长预备期")
    refused(lambda: record(pipeline, "conversion_vote", "2025-07-02", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=vote, outcome=Outcome.EXTENDED,
                           details={"extension_months": 3}), "不少于6个月")
    record(pipeline, "conversion_vote", "2025-07-02", branch_user=world.shuji_a, committee_user=committee_user,
           vote=vote, outcome=Outcome.EXTENDED, details={"extension_months": 6})
    refused(lambda: record(pipeline, "conversion_approval", "2025-07-20", branch_user=world.shuji_a,
                           committee_user=committee_user, outcome=Outcome.PASSED), "须与支部大会的决议")
    record(pipeline, "conversion_approval", "2025-07-20", branch_user=world.shuji_a, committee_user=committee_user,
           outcome=Outcome.EXTENDED)
    pipeline.refresh_from_db()
    assert pipeline.probation_ends_on == d("2026-01-01")
    assert pipeline.extended_months == 6
    history = checks.History(pipeline.steps.all())
    rules = rules_for(organization=world.branch_a, on=d("2025-07-20"))
    open_steps = {n.step.code: n for n in checks.next_steps(pipeline=pipeline, history=history, rules=rules,
                                                            today=d("2025-08-01"))}
    assert open_steps["conversion_request"].due_on == d("2026-01-01")
    assert pipeline.stage == Stage.PROBATIONARY
    record(pipeline, "conversion_request", "2025-12-20", branch_user=world.shuji_a, committee_user=committee_user)
    again = vote_for(world.branch_a, pipeline.person, d("2026-01-05"), subject="转正")
    refused(lambda: record(pipeline, "conversion_vote", "2026-01-05", branch_user=world.shuji_a,
                           committee_user=committee_user, vote=again, outcome=Outcome.EXTENDED,
                           details={"extension_months": 6}), "只能延长1次")
    record(pipeline, "conversion_vote", "2026-01-05", branch_user=world.shuji_a, committee_user=committee_user,
           vote=again)
    record(pipeline, "conversion_approval", "2026-02-01", branch_user=world.shuji_a, committee_user=committee_user)
    pipeline.refresh_from_db()
    pipeline.person.membership.refresh_from_db()
    assert pipeline.stage == Stage.FULL
    assert pipeline.person.membership.converted_on == d("2026-01-01")


def test_cancellation_returns_the_person_to_the_masses(world, pipeline, committee_user, full_members):
    walk(pipeline, "conversion_request", world, committee_user, full_members)
    vote = vote_for(world.branch_a, pipeline.person, d("2025-07-02"), subject="取消预备党员资格")
    record(pipeline, "conversion_vote", "2025-07-02", branch_user=world.shuji_a, committee_user=committee_user,
           vote=vote, outcome=Outcome.CANCELLED)
    record(pipeline, "conversion_approval", "2025-07-20", branch_user=world.shuji_a, committee_user=committee_user,
           outcome=Outcome.CANCELLED)
    pipeline.refresh_from_db()
    pipeline.person.refresh_from_db()
    assert pipeline.status == PipelineStatus.CANCELLED
    assert pipeline.person.political_status == PoliticalStatus.MASSES
    assert not hasattr(pipeline.person, "membership") or pipeline.person.membership_or_none is None


def test_publicity_switch_counts_working_days_with_the_holiday_calendar(world, pipeline, committee_user,
                                                                       full_members):
    rule_set = rules_for(organization=world.branch_a, on=d("2024-05-06")).rule_set
    rule_set.parameters["numbers"]["publicity_working_days"] = 5
    rule_set.save()
    walk(pipeline, "assessment", world, committee_user, full_members)
    # 2024-04-29 … 2024-05-05: 4-29, 4-30 work; 5-1…5-5 劳动节 holiday (5-11 is a make-up day): 2 working days.
    refused(lambda: record(pipeline, "candidate", "2024-05-06", branch_user=world.shuji_a,
                           committee_user=committee_user,
                           details={"publicity_from": "2024-04-29", "publicity_to": "2024-05-05"}),
            "只有2个工作日", "不少于5个工作日")
    record(pipeline, "candidate", "2024-05-13", branch_user=world.shuji_a, committee_user=committee_user,
           details={"publicity_from": "2024-04-29", "publicity_to": "2024-05-09"})


def test_working_days_use_local_overrides():
    assert checks.working_days(d("2024-05-01"), d("2024-05-05")) == 0
    assert checks.working_days(d("2024-05-11"), d("2024-05-11")) == 1  # make-up workday (Saturday)
    assert checks.working_days(d("2024-05-01"), d("2024-05-05"), {d("2024-05-02"): True}) == 1


def test_rule_set_override_by_later_revision(world, pipeline, committee_user, full_members):
    """A later rule set, effective from a date, governs steps dated after it."""
    base = rules_for(organization=world.branch_a, on=d("2024-01-01")).rule_set
    base.pk = None
    base.name = "修订"
    base.effective_from = d("2023-04-01")
    base.parameters = {**base.parameters, "numbers": {**base.parameters["numbers"], "talk_within_months": 3}}
    base.save()
    step = record(pipeline, "talk", "2023-05-15", branch_user=world.shuji_a, committee_user=committee_user)
    assert step.violations == []
    assert step.rule_set.name == "修订"


def test_stop_needs_a_reason(world, pipeline):
    with pytest.raises(ValidationError, match="原因"):
        services.pipeline_stop(actor=world.shuji_a, pipeline=pipeline, on=d("2024-01-01"), reason=" ")
    services.pipeline_stop(actor=world.shuji_a, pipeline=pipeline, on=d("2024-01-01"), reason="调离本单位")
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.STOPPED
    assert pipeline.next_step == ""


def test_overrides_table_is_used_by_the_service(world, pipeline, committee_user, full_members):
    WorkdayOverride.objects.create(day=d("2024-05-04"), is_workday=True, note="测试")
    assert services.workday_overrides() == {d("2024-05-04"): True}


def test_nightly_refresh_follows_a_changed_rule_set(world, pipeline, django_assert_max_num_queries):
    assert pipeline.next_due_on == d("2023-04-01")
    rule_set = rules_for(organization=world.branch_a, on=d("2023-03-01")).rule_set
    rule_set.parameters["numbers"]["talk_within_months"] = 2
    rule_set.save()
    with django_assert_max_num_queries(6):
        assert services.refresh_all(on=d("2023-03-05")) == 1
    pipeline.refresh_from_db()
    assert pipeline.next_due_on == d("2023-05-01")
    assert pipeline.next_step == "talk"


def test_assigning_the_party_group_sets_the_membership(world, pipeline, committee_user, full_members):
    walk(pipeline, "approval", world, committee_user, full_members)
    record(pipeline, "assign_group", "2024-08-10", branch_user=world.shuji_a, committee_user=committee_user,
           details={"party_group": world.group_a.pk})
    pipeline.person.membership.refresh_from_db()
    assert pipeline.person.membership.party_group == world.group_a


def test_a_party_group_of_another_branch_is_refused(world, pipeline, committee_user, full_members):
    from tests.factories import make_org

    walk(pipeline, "approval", world, committee_user, full_members)
    foreign = make_org(world.branch_b, org_type="party_group", name="第二党支部党小组")
    refused(lambda: record(pipeline, "assign_group", "2024-08-10", branch_user=world.shuji_a,
                           committee_user=committee_user, details={"party_group": foreign.pk}), "不属于")
    pipeline.person.membership.refresh_from_db()
    assert pipeline.person.membership.party_group is None
