"""Every write of the development pipeline. The form and the API both call `step_record`, which runs the checks
of recruitment.checks against the rule set in force on the step's date: a step with a fatal problem is refused
with the explanations and nothing is saved; broken time limits are saved on the record as violations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from branches import audit, permissions, uploads
from branches.models import Organization, OrgType
from branches.permissions import Capability
from members import services as member_services
from members.models import Person, TrainingKind

from . import checks
from .checks import History, StepInput
from .models import (
    Outcome,
    Pipeline,
    PipelineStatus,
    Stage,
    StepAttachment,
    StepRecord,
    Supporter,
    SupporterRole,
    WorkdayOverride,
)
from .rules import Rules, rules_for
from .tasks import refresh_pipeline_summary_task

MAX_ATTACHMENT_MB = 10
ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "webp", "docx")


def workday_overrides() -> dict[datetime.date, bool]:
    return dict(WorkdayOverride.objects.values_list("day", "is_workday"))


def committee_of(organization: Organization) -> Organization | None:
    """The committee above a branch that pre-reviews and approves (its parent in the tree)."""
    if organization.depth <= 1:
        return None
    return Organization.objects.filter(path=organization.path[:-Organization.steplen]).first()


def can_record(user: Any, pipeline: Pipeline, actor: str) -> bool:
    """Branch steps need MANAGE_RECRUITMENT at the branch; the committee's steps (预审, 谈话, 审批, 备案) need it
    at the committee above the branch."""
    if actor == "committee":
        committee = committee_of(pipeline.organization)
        return committee is not None and permissions.has_capability(user, committee, Capability.MANAGE_RECRUITMENT)
    return permissions.has_capability(user, pipeline.organization, Capability.MANAGE_RECRUITMENT)


def check_actor(user: Any, pipeline: Pipeline, step: Any) -> None:
    """403 unless the user may record this step of this pipeline (the form page and the service both ask)."""
    if not can_record(user, pipeline, step.actor):
        if step.actor == "committee":
            raise PermissionDenied(gettext("“%(step)s”由上级党委办理，须由上级党委具有发展党员管理权限的人员记录。")
                                   % {"step": step.name})
        raise PermissionDenied(gettext("您没有发展党员管理的权限。"))


def _raise(problems: Iterable[checks.Problem]) -> None:
    fatal = [p.message for p in problems if p.fatal]
    if fatal:
        raise ValidationError(fatal)


# ---- opening a pipeline -----------------------------------------------------------------------------------------


def pipeline_open(*, actor: Any, person: Person, applied_on: datetime.date, organization: Organization | None = None,
                  conclusion: str = "", files: Iterable[Any] = ()) -> Pipeline:
    """An application was received: open the person's pipeline at their branch with step 1 recorded."""
    organization = organization or person.organization
    permissions.check(actor, organization, Capability.MANAGE_RECRUITMENT)
    if not organization.is_branch:
        raise ValidationError(gettext("发展党员工作由党支部进行，请选择党支部。"))
    if not permissions.in_scope(actor, person.organization) or not person.organization.path.startswith(
            organization.path):
        raise ValidationError(gettext("%(name)s不在该党支部。") % {"name": person.name})
    with transaction.atomic(), audit.acting(actor):
        if Pipeline.objects.filter(person=person, status=PipelineStatus.ACTIVE).exists():
            raise ValidationError(gettext("%(name)s已有进行中的发展党员纪实。") % {"name": person.name})
        pipeline = Pipeline(person=person, organization=organization, applied_on=applied_on)
        rules = rules_for(organization=organization, on=applied_on)
        data = StepInput(step="application", done_on=applied_on, actor=person.name, conclusion=conclusion)
        _raise(checks.check(pipeline=pipeline, history=History(()), rules=rules, data=data,
                            today=timezone.localdate()))
        try:
            with transaction.atomic():
                pipeline.save()
        except IntegrityError:
            raise ValidationError(gettext("%(name)s已有进行中的发展党员纪实。") % {"name": person.name})
        checked = [(f, *uploads.check_upload(f, allowed=ATTACHMENT_TYPES, max_mb=MAX_ATTACHMENT_MB))
                   for f in files]
        _save_record(actor, pipeline, rules, data, [], checked)
        _refresh_next(pipeline, rules)
        _summary_after_commit(pipeline)
    return pipeline


# ---- recording a step -------------------------------------------------------------------------------------------


def step_record(*, actor: Any, pipeline: Pipeline, data: StepInput, files: Iterable[Any] = ()) -> StepRecord:
    """Record one step after every check; apply what it changes (stage, dates, membership, supporters)."""
    files = list(files)
    with transaction.atomic(), audit.acting(actor):
        pipeline = (Pipeline.objects.select_for_update().select_related("person", "organization")
                    .get(pk=pipeline.pk))
        rules = rules_for(organization=pipeline.organization, on=data.done_on)
        if data.step in rules.by_code:
            check_actor(actor, pipeline, rules.step(data.step))
        history = History(pipeline.steps.all())
        problems = checks.check(pipeline=pipeline, history=history, rules=rules, data=data,
                                today=timezone.localdate(), overrides=workday_overrides())
        checked = []
        for upload in files:
            try:
                checked.append((upload, *uploads.check_upload(upload, allowed=ATTACHMENT_TYPES,
                                                              max_mb=MAX_ATTACHMENT_MB)))
            except ValidationError as exc:
                problems.append(checks.Problem("；".join(exc.messages)))
        _raise(problems)
        record = _save_record(actor, pipeline, rules, data, [p.message for p in problems], checked)
        _apply(actor, pipeline, rules, record, data)
        _refresh_next(pipeline, rules)
        _summary_after_commit(pipeline)
    return record


def _save_record(actor: Any, pipeline: Pipeline, rules: Rules, data: StepInput, violations: list[str],
                 files: Iterable[tuple[Any, str, str, int]]) -> StepRecord:
    details = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in data.details.items()}
    if data.supporters:
        details["supporters"] = [{"id": p.pk, "name": p.name} for p in data.supporters]
    record = StepRecord(
        pipeline=pipeline, step=data.step, rule_set=rules.rule_set, done_on=data.done_on,
        actor=data.actor[:100], outcome=data.outcome, conclusion=data.conclusion, details=details,
        meeting=data.meeting or (data.vote.meeting if data.vote is not None else None), vote=data.vote,
        violations=violations, recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.save()
    if violations:
        pipeline.violation_count += 1
        pipeline.save(update_fields=["violation_count", "updated_at"])
    for upload, name, content_type, size in files:
        StepAttachment.objects.create(record=record, file=upload, original_name=name[:200],
                                      size=size, content_type=content_type,
                                      uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    return record


def _apply(actor: Any, pipeline: Pipeline, rules: Rules, record: StepRecord, data: StepInput) -> None:
    """What a recorded step changes beyond itself."""
    code, person, on = record.step, pipeline.person, record.done_on
    changed: list[str] = []
    if code in ("contacts", "sponsors"):
        role = SupporterRole.CONTACT if code == "contacts" else SupporterRole.SPONSOR
        Supporter.objects.filter(pipeline=pipeline, role=role, ended_on__isnull=True).update(ended_on=on)
        Supporter.objects.bulk_create([Supporter(pipeline=pipeline, person=p, role=role, assigned_on=on)
                                       for p in data.supporters])
    elif code == "activist":
        pipeline.stage, pipeline.activist_on = Stage.ACTIVIST, on
        changed += ["stage", "activist_on"]
    elif code == "candidate":
        pipeline.stage, pipeline.candidate_on = Stage.CANDIDATE, on
        changed += ["stage", "candidate_on"]
    elif code == "training":
        member_services.training_record(actor=actor, person=person, data={
            "kind": TrainingKind.CANDIDATE, "title": str(data.details.get("title") or gettext("发展对象集中培训")),
            "organizer": str(data.details.get("organizer") or data.actor)[:100],
            "starts_on": checks._date(data.details.get("starts_on")) or on, "ends_on": on,
            "days": checks._decimal(data.details.get("days")) or 0,
            "class_hours": checks._decimal(data.details.get("class_hours")) or 0,
        })
    elif code == "admission_vote":
        pipeline.admitted_on = on
        changed.append("admitted_on")
    elif code == "approval":
        if record.outcome == Outcome.PASSED:
            pipeline.stage, pipeline.approved_on = Stage.PROBATIONARY, on
            pipeline.probation_ends_on = checks.add_months(pipeline.admitted_on, rules.n("probation_months"))
            changed += ["stage", "approved_on", "probation_ends_on"]
            member_services.membership_admit(actor=actor, person=person, admitted_on=pipeline.admitted_on)
        else:
            _end(pipeline, on, record.conclusion or gettext("上级党委审批不同意接收"), PipelineStatus.STOPPED)
            changed += ["status", "ended_on", "end_reason"]
    elif code == "political_review" and record.outcome == Outcome.FAILED:
        _end(pipeline, on, record.conclusion or gettext("政治审查不合格"), PipelineStatus.STOPPED)
        changed += ["status", "ended_on", "end_reason"]
    elif code == "conversion_approval":
        vote = History(pipeline.steps.all()).last("conversion_vote")
        if record.outcome == Outcome.PASSED:
            pipeline.stage, pipeline.converted_on = Stage.FULL, pipeline.probation_ends_on
            changed += ["stage", "converted_on"]
            member_services.membership_convert(actor=actor, person=person, converted_on=pipeline.probation_ends_on)
        elif record.outcome == Outcome.EXTENDED:
            months = int(vote.details.get("extension_months", 0)) if vote else 0
            pipeline.extended_months += months
            pipeline.probation_ends_on = checks.add_months(pipeline.probation_ends_on, months)
            changed += ["extended_months", "probation_ends_on"]
        else:
            _end(pipeline, on, record.conclusion or gettext("取消预备党员资格"), PipelineStatus.CANCELLED)
            changed += ["status", "ended_on", "end_reason"]
            member_services.membership_cancel(actor=actor, person=person)
    elif code == "assign_group" and data.details.get("party_group"):
        group = Organization.objects.filter(pk=data.details["party_group"], org_type=OrgType.PARTY_GROUP,
                                            path__startswith=pipeline.organization.path).first()
        if group is None:
            raise ValidationError(gettext("所选党小组不属于%(branch)s。") % {"branch": pipeline.organization.name})
        member_services.membership_assign_group(actor=actor, person=person, group=group)
    elif code == "archive":
        pipeline.status = PipelineStatus.COMPLETED
        changed.append("status")
    if changed:
        pipeline.save(update_fields=[*changed, "updated_at"])


def _end(pipeline: Pipeline, on: datetime.date, reason: str, status: str) -> None:
    pipeline.status, pipeline.ended_on, pipeline.end_reason = status, on, reason


NEXT_FIELDS = ("next_step", "next_due_on", "assessment_due_on")


def set_next(pipeline: Pipeline, history: History, rules: Rules, today: datetime.date) -> None:
    """Set (without saving) the next step, the earliest due date of the open steps and the due date of the
    periodic 考察: boards, due lists and reminders filter and sort on them in SQL."""
    open_steps = checks.next_steps(pipeline=pipeline, history=history, rules=rules, today=today)
    fixed = [n for n in open_steps if not n.step.repeatable]
    dues = [n.due_on for n in open_steps if n.due_on is not None]
    periodic = [n.due_on for n in open_steps if n.step.repeatable and n.due_on is not None]
    pipeline.next_step = fixed[0].step.code if fixed else ""
    pipeline.next_due_on = min(dues) if dues else None
    pipeline.assessment_due_on = min(periodic) if periodic else None


def _refresh_next(pipeline: Pipeline, rules: Rules) -> None:
    set_next(pipeline, History(pipeline.steps.all()), rules, timezone.localdate())
    pipeline.save(update_fields=[*NEXT_FIELDS, "updated_at"])


def _summary_after_commit(pipeline: Pipeline) -> None:
    """The branch's counts on the committee overview (recruitment.summaries) follow the write once committed."""
    org_id = pipeline.organization_id
    transaction.on_commit(lambda: refresh_pipeline_summary_task.delay(org_id))


def pipeline_stop(*, actor: Any, pipeline: Pipeline, on: datetime.date, reason: str) -> Pipeline:
    """End a pipeline before admission (withdrawn, left the unit, no longer qualified); the reason is required."""
    permissions.check(actor, pipeline.organization, Capability.MANAGE_RECRUITMENT)
    reason = (reason or "").strip()
    errors = []
    if not reason:
        errors.append(gettext("请填写终止的原因。"))
    if on > timezone.localdate():
        errors.append(gettext("终止日期不能晚于今天。"))
    if pipeline.status != PipelineStatus.ACTIVE:
        errors.append(gettext("该发展党员纪实已%(status)s。") % {"status": pipeline.get_status_display()})
    elif pipeline.stage in (Stage.PROBATIONARY, Stage.FULL):
        errors.append(gettext("预备党员不能直接终止，须经支部大会讨论并报上级党委审批取消预备党员资格。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), audit.acting(actor):
        _end(pipeline, on, reason, PipelineStatus.STOPPED)
        pipeline.next_step, pipeline.next_due_on, pipeline.assessment_due_on = "", None, None
        pipeline.save(update_fields=["status", "ended_on", "end_reason", "next_step", "next_due_on",
                                     "assessment_due_on", "updated_at"])
        _summary_after_commit(pipeline)
    return pipeline


def refresh_all(*, on: datetime.date | None = None, batch: int = 1000) -> int:
    """Nightly: recompute the next step and due dates of every active pipeline (a rule set may have changed).
    One query per batch for the pipelines with their steps; only changed rows are written."""
    from .rules import rule_sets

    on = on or timezone.localdate()
    loaded = rule_sets()
    changed: list[Pipeline] = []
    count = 0
    qs = (Pipeline.objects.filter(status=PipelineStatus.ACTIVE).select_related("organization")
          .prefetch_related("steps").order_by("pk"))
    for pipeline in qs.iterator(chunk_size=batch):
        before = tuple(getattr(pipeline, f) for f in NEXT_FIELDS)
        set_next(pipeline, History(pipeline.steps.all()),
                 rules_for(organization=pipeline.organization, on=on, loaded=loaded), on)
        if tuple(getattr(pipeline, f) for f in NEXT_FIELDS) != before:
            changed.append(pipeline)
        count += 1
    with transaction.atomic():
        Pipeline.objects.bulk_update(changed, NEXT_FIELDS, batch_size=batch)
    return count
