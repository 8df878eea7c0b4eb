"""Every write to meeting records (三会一课 and other organizational life).

Each service checks Capability.LOG_MEETINGS on the meeting's organization (outside the actor's scope:
404; inside without it: 403), validates everything before anything is written (Chinese messages keyed by
field; nested lists under "attendance", "guests", "votes", "grades"), and runs in one transaction under
`acting(actor)` so django-auditlog records who did it. A confirmed record is locked: a change needs a
reason and leaves a MeetingRevision.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from branches import permissions
from branches.audit import acting
from branches.models import (
    AppraisalGrade,
    Attendance,
    AttendanceStatus,
    CommitteeSeat,
    Grade,
    Meeting,
    MeetingAttachment,
    MeetingGuest,
    MeetingRevision,
    MeetingStatus,
    MeetingType,
    Organization,
    OrgType,
    RoleKind,
    Vote,
)
from branches.permissions import Capability
from branches.selectors import sitting_seats
from branches.tasks import refresh_compliance_summary_task
from branches.uploads import check_upload
from members.codes import PoliticalStatus
from members.models import Person

from .rules import rule_set_for
from .validation import VoteCounts, vote_count_problems

MEETING_FIELDS = (
    "meeting_type", "title", "held_at", "ends_at", "place", "host", "recorder", "topics", "minutes", "decisions",
    "follow_ups", "lecturer", "lecture_title", "problems", "rectifications",
)
PERSON_FIELDS = ("host", "recorder")
# Roles that make someone a member of a branch's committee (支部委员会).
BRANCH_COMMITTEE_KINDS = (
    RoleKind.SECRETARY, RoleKind.DEPUTY_SECRETARY, RoleKind.ORGANIZATION_MEMBER, RoleKind.PROPAGANDA_MEMBER,
    RoleKind.DISCIPLINE_MEMBER,
)
# Votes under the §1.3 rule are taken by the 支部党员大会 only (admissions, conversions, elections).
VOTING_MEETING_TYPES = (MeetingType.GENERAL_ASSEMBLY,)
GRADING_MEETING_TYPES = (MeetingType.APPRAISAL,)
PARTY_STATUSES = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)


# ---- helpers ----------------------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str | ValidationError]] = {}

    def add(self, field: str, message: str | ValidationError) -> None:
        self.by_field.setdefault(field, []).append(message)

    def merge(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add(field, message)
        else:
            for message in exc.messages:
                self.add("__all__", message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def branch_of(organization: Organization) -> Organization:
    """The branch a meeting's organization belongs to: itself, or the branch above a 党小组."""
    if organization.org_type == OrgType.PARTY_GROUP:
        parent = Organization.objects.filter(path=organization.path[: -Organization.steplen]).first()
        if parent is not None:
            return parent
    return organization


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Person) else value


def _end_of_today() -> datetime.datetime:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))


def _load_people(pks: Iterable[Any]) -> dict[int, Person]:
    clean: set[int] = set()
    for pk in pks:
        try:
            clean.add(int(pk))
        except (TypeError, ValueError):
            continue
    if not clean:
        return {}
    return Person.objects.select_related("membership", "organization").in_bulk(clean)


def _has_vote(person: Person) -> bool:
    membership = person.membership_or_none
    return membership is not None and person.political_status == PoliticalStatus.CPC_MEMBER and membership.has_vote


def _no_vote_reason(person: Person) -> str:
    membership = person.membership_or_none
    if membership is None or person.political_status not in PARTY_STATUSES:
        return gettext("不是中共党员")
    if person.political_status == PoliticalStatus.CPC_PROBATIONARY or membership.category != "full":
        return gettext("是预备党员")
    if membership.status != "normal":
        return gettext("已停止党籍")
    return gettext("党员权利被停止或处于留党察看期")


def _in_branch(person: Person, branch: Organization) -> bool:
    return person.organization.path.startswith(branch.path)


# ---- normalized nested rows -----------------------------------------------------------------------------


@dataclass
class _AttendanceRow:
    person: Person
    status: str
    reason: str


@dataclass
class _VoteRow:
    subject: str
    candidate: Person | None
    counts: VoteCounts
    index: int = 0  # position in the list given (0-based), so each message can name its vote


def _vote_error(errors: _Errors, index: int, message: str, **params: Any) -> None:
    """A message about one vote, under "votes" like the others, carrying the vote's position in its params
    (`vote`, 0-based) so that the form shows it beside that vote's block. The message is a template with
    `params`, so text typed by the user (a subject with "%") is never read as a format."""
    errors.add("votes", ValidationError(message, code="vote", params={**params, "vote": index}))


@dataclass
class _GradeRow:
    person: Person
    grade: str


def _parse_attendance(items: list[dict], branch: Organization, errors: _Errors) -> list[_AttendanceRow]:
    people = _load_people(_pk(item.get("person")) for item in items)
    rows: list[_AttendanceRow] = []
    seen: set[int] = set()
    valid_status = set(AttendanceStatus.values)
    for n, item in enumerate(items, start=1):
        pk = _pk(item.get("person"))
        person = people.get(int(pk)) if str(pk).isdigit() else None
        if person is None:
            errors.add("attendance", gettext("第 %(n)d 行：人员不存在。") % {"n": n})
            continue
        if not _in_branch(person, branch):
            errors.add("attendance", gettext("%(name)s（%(org)s）不是“%(branch)s”的人员，不能登记出勤。")
                       % {"name": person.name, "org": person.organization, "branch": branch})
            continue
        if person.pk in seen:
            errors.add("attendance", gettext("%(name)s 重复登记。") % {"name": person.name})
            continue
        seen.add(person.pk)
        status = item.get("status") or AttendanceStatus.PRESENT
        if status not in valid_status:
            errors.add("attendance", gettext("%(name)s 的出勤状态无效。") % {"name": person.name})
            continue
        reason = (item.get("reason") or "").strip()
        if len(reason) > 200:
            errors.add("attendance", gettext("%(name)s 的缺席或请假原因不能超过 200 字。") % {"name": person.name})
            continue
        if status == AttendanceStatus.PRESENT:
            reason = ""
        rows.append(_AttendanceRow(person, status, reason))
    return rows


def _parse_guests(items: list[dict], errors: _Errors) -> list[MeetingGuest]:
    guests: list[MeetingGuest] = []
    for n, item in enumerate(items, start=1):
        guest = MeetingGuest(name=(item.get("name") or "").strip(), affiliation=(item.get("affiliation") or "").strip())
        try:
            guest.full_clean(exclude=["meeting"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = MeetingGuest._meta.get_field(field).verbose_name
                for message in messages:
                    errors.add("guests", gettext("列席人员第 %(n)d 行（%(field)s）：%(message)s")
                               % {"n": n, "field": label, "message": message})
            continue
        guests.append(guest)
    return guests


def _count(item: dict, key: str, n: int, errors: _Errors) -> int | None:
    value = item.get(key, 0 if key == "written_yes" else None)
    try:
        number = int(value)
    except (TypeError, ValueError):
        label = Vote._meta.get_field(key).verbose_name
        _vote_error(errors, n - 1, gettext("第 %(n)d 项表决：请填写“%(field)s”（整数）。"), n=n, field=str(label))
        return None
    return number


def _parse_votes(items: list[dict], branch: Organization, errors: _Errors) -> list[_VoteRow]:
    people = _load_people(_pk(item.get("candidate")) for item in items if item.get("candidate") not in (None, ""))
    rows: list[_VoteRow] = []
    for n, item in enumerate(items, start=1):
        subject = (item.get("subject") or "").strip()
        if not subject:
            _vote_error(errors, n - 1, gettext("第 %(n)d 项表决：请填写表决事项。"), n=n)
            continue
        if len(subject) > 200:
            _vote_error(errors, n - 1, gettext("第 %(n)d 项表决：表决事项不能超过 200 字。"), n=n)
            continue
        candidate = None
        raw = item.get("candidate")
        if raw not in (None, ""):
            pk = _pk(raw)
            candidate = people.get(int(pk)) if str(pk).isdigit() else None
            if candidate is None:
                _vote_error(errors, n - 1, gettext("“%(subject)s”：表决对象不存在。"), subject=subject)
                continue
            if not _in_branch(candidate, branch):
                _vote_error(errors, n - 1, gettext("“%(subject)s”：%(name)s 不是“%(branch)s”的人员。"),
                            subject=subject, name=candidate.name, branch=str(branch))
                continue
        numbers = {key: _count(item, key, n, errors) for key in
                   ("expected", "present", "yes", "no", "abstain", "written_yes")}
        if any(v is None for v in numbers.values()):
            continue
        passed = item.get("passed")
        if isinstance(passed, str):
            passed = passed.lower() in ("1", "true", "on", "yes")
        counts = VoteCounts(passed=bool(passed), **numbers)  # type: ignore[arg-type]
        problems = vote_count_problems(counts)
        for problem in problems:
            _vote_error(errors, n - 1, gettext("“%(subject)s”：%(problem)s"), subject=subject, problem=problem)
        if not problems:
            rows.append(_VoteRow(subject, candidate, counts, index=n - 1))
    return rows


def _check_votes_against_attendance(votes: list[_VoteRow], attendance: list[_AttendanceRow], errors: _Errors) -> None:
    """E must be the voting members in the attendance list; present the voting members marked present."""
    if not attendance:
        return
    voting = [row for row in attendance if _has_vote(row.person)]
    voting_present = [row for row in voting if row.status == AttendanceStatus.PRESENT]
    no_vote = [row for row in attendance if not _has_vote(row.person)]
    no_vote_present = [row for row in no_vote if row.status == AttendanceStatus.PRESENT]
    for vote in votes:
        c = vote.counts
        if c.expected != len(voting):
            message = gettext("应到会有表决权的正式党员为 %(expected)d 人，但出勤名单中有表决权的正式党员为 %(voting)d 人。") % {
                "expected": c.expected, "voting": len(voting)}
            if c.expected > len(voting) and no_vote:
                names = "、".join(f"{row.person.name}（{_no_vote_reason(row.person)}）" for row in no_vote)
                message += gettext("以下人员没有表决权，不能计入应到人数：%(names)s。") % {"names": names}
            _vote_error(errors, vote.index, gettext("“%(subject)s”：%(problem)s"), subject=vote.subject,
                        problem=message)
        if c.present != len(voting_present):
            message = gettext("实到 %(present)d 人，但出勤名单中到会的有表决权的正式党员为 %(voting)d 人。") % {
                "present": c.present, "voting": len(voting_present)}
            if c.present > len(voting_present) and no_vote_present:
                names = "、".join(f"{row.person.name}（{_no_vote_reason(row.person)}）" for row in no_vote_present)
                message += gettext("以下人员没有表决权，不能计入实到人数：%(names)s。") % {"names": names}
            _vote_error(errors, vote.index, gettext("“%(subject)s”：%(problem)s"), subject=vote.subject,
                        problem=message)


def excellent_max_ratio(*, branch: Organization, on: datetime.date) -> Fraction:
    """The share of 优秀 allowed in 民主评议: the meetings rule set in force, else the deployment setting."""
    rule = rule_set_for(organization=branch, on=on)
    value = (rule.parameters or {}).get("appraisal_excellent_max_ratio") if rule is not None else None
    if value is None:
        value = getattr(settings, "PORTAL_APPRAISAL_EXCELLENT_MAX_RATIO", "1/3")
    return Fraction(str(value))


def _parse_grades(items: list[dict], branch: Organization, errors: _Errors, *, on: datetime.date
                  ) -> list[_GradeRow]:
    people = _load_people(_pk(item.get("person")) for item in items)
    rows: list[_GradeRow] = []
    seen: set[int] = set()
    for n, item in enumerate(items, start=1):
        pk = _pk(item.get("person"))
        person = people.get(int(pk)) if str(pk).isdigit() else None
        if person is None:
            errors.add("grades", gettext("第 %(n)d 行：人员不存在。") % {"n": n})
            continue
        if not _in_branch(person, branch) or person.political_status not in PARTY_STATUSES \
                or person.membership_or_none is None:
            errors.add("grades", gettext("%(name)s 不是“%(branch)s”的党员，不能参加民主评议。")
                       % {"name": person.name, "branch": branch})
            continue
        if person.pk in seen:
            errors.add("grades", gettext("%(name)s 重复评议。") % {"name": person.name})
            continue
        seen.add(person.pk)
        grade = item.get("grade")
        if grade not in Grade.values:
            errors.add("grades", gettext("%(name)s 的评议等次无效。") % {"name": person.name})
            continue
        rows.append(_GradeRow(person, grade))
    ratio = excellent_max_ratio(branch=branch, on=on)
    excellent = sum(1 for row in rows if row.grade == Grade.EXCELLENT)
    if rows and excellent > ratio * len(rows):
        limit = int(ratio * len(rows))
        errors.add("grades", gettext("参加评议 %(total)d 人，评为优秀 %(excellent)d 人，超过%(ratio)s（最多 %(limit)d 人）。")
                   % {"total": len(rows), "excellent": excellent, "ratio": _ratio_text(ratio), "limit": limit})
    return rows


def _ratio_text(ratio: Fraction) -> str:
    return gettext("三分之一") if ratio == Fraction(1, 3) else f"{ratio.numerator}/{ratio.denominator}"


# ---- the meeting itself ---------------------------------------------------------------------------------


def _apply_data(meeting: Meeting, data: dict[str, Any], errors: _Errors) -> list[str]:
    """Set the given fields on the meeting; return the names that changed."""
    unknown = sorted(set(data) - set(MEETING_FIELDS))
    for name in unknown:
        errors.add(name, gettext("未知字段。"))
    person_pks = [_pk(data[name]) for name in PERSON_FIELDS if data.get(name) not in (None, "")]
    people = _load_people(person_pks)
    changed: list[str] = []
    for name in MEETING_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in PERSON_FIELDS:
            if value in (None, ""):
                value = None
            else:
                pk = _pk(value)
                value = people.get(int(pk)) if str(pk).isdigit() else None
                if value is None:
                    errors.add(name, gettext("人员不存在。"))
                    continue
            if getattr(meeting, f"{name}_id") != (value.pk if value else None):
                changed.append(name)
            setattr(meeting, name, value)
            continue
        if name in ("held_at", "ends_at"):
            value = _as_datetime(value, name, errors)
        elif isinstance(value, str) and name != "meeting_type":
            value = value.strip()
        if value is None and name not in ("held_at", "ends_at"):
            value = ""
        if getattr(meeting, name) != value:
            changed.append(name)
        setattr(meeting, name, value)
    return changed


def _as_datetime(value: Any, name: str, errors: _Errors) -> datetime.datetime | None:
    """Aware datetimes pass; ISO text is parsed; a naive value is read in the portal's time zone."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            errors.add(name, gettext("请输入有效的日期时间，例如 2026-03-15 14:30。"))
            return None
        value = parsed
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _validate_meeting(meeting: Meeting, branch: Organization, errors: _Errors) -> None:
    org = meeting.organization
    mtype = meeting.meeting_type
    if mtype in MeetingType.values:
        if mtype == MeetingType.GROUP:
            if org.org_type != OrgType.PARTY_GROUP:
                errors.add("meeting_type", gettext("党小组会应记录在党小组下：请选择“%(org)s”下的党小组。") % {"org": org})
        elif org.org_type not in OrgType.branch_types():
            errors.add("meeting_type", gettext("%(type)s应记录在党支部（含联合党支部、临时党支部），不能记录在%(org_type)s“%(org)s”。")
                       % {"type": MeetingType(mtype).label, "org_type": OrgType(org.org_type).label, "org": org})
        elif mtype == MeetingType.COMMITTEE and not org.has_committee:
            errors.add("meeting_type", gettext("本支部未设支部委员会，不能记录支部委员会会议。"))
    if isinstance(meeting.held_at, datetime.datetime):
        if meeting.held_at >= _end_of_today():
            errors.add("held_at", gettext("会议时间 %(when)s 在今天之后：这里只登记已经召开的会议。")
                       % {"when": timezone.localtime(meeting.held_at).strftime("%Y-%m-%d %H:%M")})
        if isinstance(meeting.ends_at, datetime.datetime) and meeting.ends_at < meeting.held_at:
            errors.add("ends_at", gettext("结束时间不能早于开始时间。"))
    if mtype == MeetingType.LECTURE:
        if not meeting.lecturer:
            errors.add("lecturer", gettext("党课须填写授课人。"))
        if not meeting.lecture_title:
            errors.add("lecture_title", gettext("党课须填写党课题目。"))
    if mtype == MeetingType.LIFE_MEETING and not meeting.problems:
        errors.add("problems", gettext("组织生活会须填写问题清单（整改清单可以以后补充）。"))
    for name in PERSON_FIELDS:
        person = getattr(meeting, name)
        if person is not None and not _in_branch(person, branch):
            errors.add(name, gettext("%(name)s 不是“%(branch)s”的人员。") % {"name": person.name, "branch": branch})
    if meeting.organization.closed_on is not None:
        errors.add("__all__", gettext("“%(org)s”已撤销，不能再登记组织生活。") % {"org": org})
    try:
        meeting.full_clean()
    except ValidationError as exc:
        errors.merge(exc)


@dataclass
class _Nested:
    attendance: list[_AttendanceRow] | None
    guests: list[MeetingGuest] | None
    votes: list[_VoteRow] | None
    grades: list[_GradeRow] | None


def _validate_nested(
    meeting: Meeting, branch: Organization, errors: _Errors, *, attendance: list[dict] | None,
    guests: list[dict] | None, votes: list[dict] | None, grades: list[dict] | None,
) -> _Nested:
    nested = _Nested(
        attendance=_parse_attendance(attendance, branch, errors) if attendance is not None else None,
        guests=_parse_guests(guests, errors) if guests is not None else None,
        votes=_parse_votes(votes, branch, errors) if votes is not None else None,
        grades=_parse_grades(grades, branch, errors, on=_meeting_day(meeting)) if grades is not None else None,
    )
    # Cross-checks use the rows as they will be after the save: given ones, else the stored ones.
    effective_votes = nested.votes if nested.votes is not None else _stored_votes(meeting)
    effective_attendance = nested.attendance if nested.attendance is not None else _stored_attendance(meeting)
    effective_grades_count = len(nested.grades) if nested.grades is not None else _stored_grade_count(meeting)
    mtype = meeting.meeting_type
    if effective_votes and mtype not in VOTING_MEETING_TYPES:
        errors.add("votes", gettext("只有支部党员大会可以登记表决；%(type)s不能登记表决。")
                   % {"type": MeetingType(mtype).label if mtype in MeetingType.values else mtype})
    elif effective_votes and (nested.votes is not None or nested.attendance is not None):
        _check_votes_against_attendance(effective_votes, effective_attendance, errors)
    if effective_grades_count and mtype not in GRADING_MEETING_TYPES:
        errors.add("grades", gettext("只有民主评议党员可以登记评议等次。"))
    return nested


def _meeting_day(meeting: Meeting) -> datetime.date:
    if isinstance(meeting.held_at, datetime.datetime):
        return timezone.localtime(meeting.held_at).date()
    return timezone.localdate()


def _stored_attendance(meeting: Meeting) -> list[_AttendanceRow]:
    if meeting.pk is None:
        return []
    return [_AttendanceRow(a.person, a.status, a.reason)
            for a in meeting.attendance.select_related("person__membership", "person__organization")]


def _stored_votes(meeting: Meeting) -> list[_VoteRow]:
    if meeting.pk is None:
        return []
    return [
        _VoteRow(v.subject, v.candidate, VoteCounts(v.expected, v.present, v.yes, v.no, v.abstain, v.written_yes,
                                                     v.passed), index=i)
        for i, v in enumerate(meeting.votes.select_related("candidate").order_by("pk"))
    ]


def _stored_grade_count(meeting: Meeting) -> int:
    return 0 if meeting.pk is None else meeting.grades.count()


def _write_nested(meeting: Meeting, nested: _Nested) -> None:
    """Replace the given lists (None: leave that list alone). Rows are saved one by one so each is audited."""
    if nested.attendance is not None:
        old = {a.person_id: a for a in meeting.attendance.all()}
        new_ids = {row.person.pk for row in nested.attendance}
        for person_id, row in old.items():
            if person_id not in new_ids:
                row.delete()
        for row in nested.attendance:
            existing = old.get(row.person.pk)
            if existing is None:
                Attendance.objects.create(meeting=meeting, person=row.person, status=row.status, reason=row.reason)
            elif (existing.status, existing.reason) != (row.status, row.reason):
                existing.status, existing.reason = row.status, row.reason
                existing.save(update_fields=["status", "reason"])
    if nested.guests is not None:
        meeting.guests.all().delete()
        for guest in nested.guests:
            guest.meeting = meeting
            guest.save()
    if nested.votes is not None:
        for vote in meeting.votes.all():
            vote.delete()
        for row in nested.votes:
            c = row.counts
            Vote.objects.create(
                meeting=meeting, subject=row.subject, candidate=row.candidate, expected=c.expected, present=c.present,
                yes=c.yes, no=c.no, abstain=c.abstain, written_yes=c.written_yes, passed=c.passed,
            )
    if nested.grades is not None:
        old_grades = {g.person_id: g for g in meeting.grades.all()}
        new_grade_ids = {row.person.pk for row in nested.grades}
        for person_id, grade in old_grades.items():
            if person_id not in new_grade_ids:
                grade.delete()
        for row in nested.grades:
            existing_grade = old_grades.get(row.person.pk)
            if existing_grade is None:
                AppraisalGrade.objects.create(meeting=meeting, person=row.person, grade=row.grade)
            elif existing_grade.grade != row.grade:
                existing_grade.grade = row.grade
                existing_grade.save(update_fields=["grade"])


# ---- services ---------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    organization: Organization,
    data: dict[str, Any],
    attendance: list[dict] | None = None,
    guests: list[dict] | None = None,
    votes: list[dict] | None = None,
    grades: list[dict] | None = None,
) -> Meeting:
    """Record a meeting that was held, with its attendance, guests, votes and appraisal grades (a draft)."""
    permissions.check(actor, organization, Capability.LOG_MEETINGS)
    errors = _Errors()
    meeting = Meeting(organization=organization, status=MeetingStatus.DRAFT,
                      created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply_data(meeting, data, errors)
    branch = branch_of(organization)
    _validate_meeting(meeting, branch, errors)
    nested = _validate_nested(meeting, branch, errors, attendance=attendance, guests=guests, votes=votes,
                              grades=grades)
    errors.raise_if_any()
    with acting(actor):
        meeting.save()
        _write_nested(meeting, nested)
    transaction.on_commit(lambda: refresh_compliance_summary_task.delay(meeting.organization_id))
    return meeting


def _display(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Person):
        return value.name
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def _attendance_changes(before: dict[int, tuple[str, str, str]], rows: list[_AttendanceRow]) -> dict[str, list]:
    after = {row.person.pk: (row.person.name, row.status, row.reason) for row in rows}
    label = dict(AttendanceStatus.choices)
    added = [f"{after[pk][0]}（{label[after[pk][1]]}）" for pk in after if pk not in before]
    removed = [before[pk][0] for pk in before if pk not in after]
    changed = [
        f"{after[pk][0]}：{label[before[pk][1]]} → {label[after[pk][1]]}"
        for pk in after if pk in before and before[pk][1:] != after[pk][1:]
    ]
    return {k: [str(x) for x in v] for k, v in (("added", added), ("removed", removed), ("changed", changed)) if v}


def _vote_summary(rows: Iterable[_VoteRow]) -> list[str]:
    return [
        gettext("%(subject)s：应到 %(e)d，实到 %(p)d，赞成 %(y)d（书面 %(w)d），反对 %(n)d，弃权 %(a)d，%(result)s") % {
            "subject": r.subject, "e": r.counts.expected, "p": r.counts.present, "y": r.counts.yes,
            "w": r.counts.written_yes, "n": r.counts.no, "a": r.counts.abstain,
            "result": gettext("通过") if r.counts.passed else gettext("未通过"),
        }
        for r in rows
    ]


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    data: dict[str, Any],
    attendance: list[dict] | None = None,
    guests: list[dict] | None = None,
    votes: list[dict] | None = None,
    grades: list[dict] | None = None,
    reason: str = "",
) -> Meeting:
    """Change a meeting record. Lists given replace the stored ones; None leaves them alone.

    A confirmed (locked) record changes only with a reason; the change is kept as a MeetingRevision."""
    locked_meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("organization", "host", "recorder")
        .get(pk=meeting.pk)
    )
    permissions.check(actor, locked_meeting.organization, Capability.LOG_MEETINGS)
    reason = (reason or "").strip()
    errors = _Errors()
    if locked_meeting.is_locked and not reason:
        errors.add("reason", gettext("该记录已确认锁定，修改须填写修改原因。"))
        errors.raise_if_any()
    before = {name: _display(getattr(locked_meeting, name)) for name in MEETING_FIELDS}
    before_attendance = {a.person_id: (a.person.name, a.status, a.reason)
                         for a in locked_meeting.attendance.select_related("person")}
    before_votes = _vote_summary(_stored_votes(locked_meeting)) if votes is not None else []
    changed = _apply_data(locked_meeting, data, errors)
    branch = branch_of(locked_meeting.organization)
    _validate_meeting(locked_meeting, branch, errors)
    nested = _validate_nested(locked_meeting, branch, errors, attendance=attendance, guests=guests, votes=votes,
                              grades=grades)
    errors.raise_if_any()

    changes: dict[str, Any] = {
        name: [before[name], _display(getattr(locked_meeting, name))] for name in changed
    }
    if "meeting_type" in changes:
        labels = dict(MeetingType.choices)
        changes["meeting_type"] = [str(labels.get(v, v)) for v in changes["meeting_type"]]
    if nested.attendance is not None:
        attendance_changes = _attendance_changes(before_attendance, nested.attendance)
        if attendance_changes:
            changes["attendance"] = attendance_changes
    if nested.votes is not None:
        after_votes = _vote_summary(nested.votes)
        if after_votes != before_votes:
            changes["votes"] = [before_votes, after_votes]
    if nested.guests is not None:
        old_guests = [g.name for g in locked_meeting.guests.all()]
        new_guests = [g.name for g in nested.guests]
        if old_guests != new_guests:
            changes["guests"] = [old_guests, new_guests]
    if nested.grades is not None:
        label = dict(Grade.choices)
        old = {g.person_id: g.grade for g in locked_meeting.grades.all()}
        new = {row.person.pk: row.grade for row in nested.grades}
        if old != new:
            changes["grades"] = [f"{row.person.name}：{label[row.grade]}" for row in nested.grades]

    with acting(actor):
        if changed:
            locked_meeting.save(update_fields=[*changed, "updated_at"])
        _write_nested(locked_meeting, nested)
        if locked_meeting.is_locked and changes:
            MeetingRevision.objects.create(meeting=locked_meeting, changed_by=actor, reason=reason,
                                           changes={k: v for k, v in changes.items()})
    transaction.on_commit(lambda: refresh_compliance_summary_task.delay(locked_meeting.organization_id))
    meeting.refresh_from_db()
    return locked_meeting


def can_confirm(*, user: Any, meeting: Meeting) -> bool:
    """The host (through Person.user) or anyone with LOG_MEETINGS on the organization confirms."""
    if not getattr(user, "is_authenticated", False):
        return False
    if meeting.host_id is not None and Person.objects.filter(pk=meeting.host_id, user=user).exists():
        return True
    return permissions.has_capability(user, meeting.organization, Capability.LOG_MEETINGS)


@transaction.atomic
def meeting_confirm(*, actor: Any, meeting: Meeting) -> Meeting:
    """Confirm the record (the host, or someone with LOG_MEETINGS); it locks."""
    locked_meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("organization").get(pk=meeting.pk)
    )
    is_host = locked_meeting.host_id is not None and Person.objects.filter(
        pk=locked_meeting.host_id, user=actor).exists() if getattr(actor, "is_authenticated", False) else False
    if not is_host:
        permissions.check(actor, locked_meeting.organization, Capability.LOG_MEETINGS)
    if locked_meeting.is_locked:
        raise ValidationError(gettext("该记录已于 %(when)s 确认，无须再次确认。")
                              % {"when": timezone.localtime(locked_meeting.confirmed_at).strftime("%Y-%m-%d %H:%M")
                                 if locked_meeting.confirmed_at else ""})
    locked_meeting.status = MeetingStatus.CONFIRMED
    locked_meeting.confirmed_at = timezone.now()
    locked_meeting.confirmed_by = actor
    locked_meeting.full_clean(exclude=["host", "recorder"])
    with acting(actor):
        locked_meeting.save(update_fields=["status", "confirmed_at", "confirmed_by", "updated_at"])
    transaction.on_commit(lambda: refresh_compliance_summary_task.delay(locked_meeting.organization_id))
    meeting.refresh_from_db()
    return locked_meeting


MEETING_FILE_TYPES = ("jpg", "jpeg", "png", "webp", "pdf")


@transaction.atomic
def attachment_add(*, actor: Any, meeting: Meeting, uploaded_file: Any, kind: str) -> MeetingAttachment:
    """Attach a photo (jpg/png/webp) or PDF; the content is checked by its first bytes, not by its name."""
    permissions.check(actor, meeting.organization, Capability.LOG_MEETINGS)
    name, content_type, size = check_upload(
        uploaded_file, allowed=MEETING_FILE_TYPES,
        max_mb=float(getattr(settings, "PORTAL_MEETING_ATTACHMENT_MAX_MB", 10)),
    )
    attachment = MeetingAttachment(
        meeting=meeting, kind=kind, original_name=name[:200], size=size, content_type=content_type,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.name = "pending"
    try:
        attachment.full_clean(exclude=["file"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    with acting(actor):
        attachment.file.save(name, uploaded_file, save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.storage.delete(attachment.file.name)
            raise
        if meeting.is_locked:
            # Photos and sign-in scans often arrive after the host confirmed: allowed, and shown on the record.
            MeetingRevision.objects.create(meeting=meeting, changed_by=attachment.uploaded_by,
                                           reason=gettext("确认后补充附件"),
                                           changes={"attachments": {"added": [attachment.original_name]}})
    return attachment


@transaction.atomic
def attachment_delete(*, actor: Any, attachment: MeetingAttachment, reason: str = "") -> None:
    """Remove an attachment; the file goes once the transaction commits. On a confirmed record it needs a
    reason and leaves a revision."""
    meeting = attachment.meeting
    permissions.check(actor, meeting.organization, Capability.LOG_MEETINGS)
    reason = (reason or "").strip()
    if meeting.is_locked and not reason:
        raise ValidationError({"reason": gettext("该记录已确认锁定，删除附件须填写原因。")})
    name = attachment.file.name
    storage = attachment.file.storage
    with acting(actor):
        if meeting.is_locked:
            MeetingRevision.objects.create(
                meeting=meeting, changed_by=actor if getattr(actor, "is_authenticated", False) else None,
                reason=reason, changes={"attachments": {"removed": [attachment.original_name]}})
        attachment.delete()
    transaction.on_commit(lambda: storage.delete(name) if name else None)


def default_attendees(
    *, organization: Organization, meeting_type: str, on: datetime.date | None = None
) -> list[Person]:
    """Who should be at a meeting of this type held on `on` (today by default): the committee, the party
    group, or the whole branch."""
    return list(default_attendees_queryset(organization=organization, meeting_type=meeting_type, on=on))


def default_attendees_queryset(
    *, organization: Organization, meeting_type: str, on: datetime.date | None = None
) -> QuerySet[Person]:
    branch = branch_of(organization)
    base = Person.objects.select_related("membership", "organization").order_by("name_pinyin", "id")
    if meeting_type == MeetingType.COMMITTEE:
        # The committee is its seats (people, with or without a login) sitting on the meeting's day. Only a
        # branch that has recorded no seat at all falls back to the holders of committee roles.
        if CommitteeSeat.objects.filter(organization=branch).exists():
            seated = sitting_seats(organization=branch, on=on).values("person_id")
            return base.filter(pk__in=seated)
        today = on or timezone.localdate()
        # One filter() call, so every condition applies to the same role row.
        return base.filter(
            Q(user__portal_roles__ends_on__isnull=True) | Q(user__portal_roles__ends_on__gte=today),
            organization__path__startswith=branch.path,
            user__portal_roles__organization=branch,
            user__portal_roles__kind__in=BRANCH_COMMITTEE_KINDS,
            user__portal_roles__starts_on__lte=today,
        ).distinct()
    if meeting_type == MeetingType.GROUP and organization.org_type == OrgType.PARTY_GROUP:
        return base.filter(membership__party_group=organization, political_status__in=PARTY_STATUSES)
    return base.filter(organization__path__startswith=branch.path, political_status__in=PARTY_STATUSES)


def require_log_meetings(actor: Any, organization: Organization) -> None:
    """Raise 404/403 unless the actor may record meetings for the organization."""
    permissions.check(actor, organization, Capability.LOG_MEETINGS)

