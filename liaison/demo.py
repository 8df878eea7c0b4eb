"""Demo liaison work for `seed_demo`: the institute committees' seats, the pool of non-party scientists, the
liaison pairs and one-to-one pairings with their talks and follow-ups, and the yearly reviews.

Built after the people and their pipelines. Every record satisfies the services' rules (liaison.services): the
pool holds non-party people only, kept at their institute's committee; a 党内联系人 holds, on the day the pair
starts, the committee seat their role names; nobody keeps more open pairs than the rule set allows; a talk lies
between its pair's start and its end (or today); an ended pair has a reason. The gaps a review should find are
left on purpose: 高知 without a liaison, liaison persons without anybody, pairs overdue for a talk, open
requests. Deterministic for a seed and a day; written with bulk_create (about 20,000 pool entries, 6,000 pairs
and 80,000 talks at `cas` scale)."""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.utils import timezone

from branches.models import CommitteePosition, CommitteeSeat, Organization, OrgType
from members.codes import MemberCategory, MembershipStatus, PoliticalStatus
from members.models import Person

from . import rules as rulesmod
from .models import FollowUp, FollowUpStatus, LiaisonPair, LiaisonRole, PairKind, Review, TalentProfile, Talk

BATCH = 2000
PARTY = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
COMMITTEE_SIZE = (5, 9)
PROGRAMME_SHARE = 0.08
LEADERSHIP_SHARE = 0.04
PAIR_SHARE = 0.27  # of each institute's pool, with an open liaison pair (ended ones and pairings come on top)
OTHER_SHARE = 0.10  # of those pairs, people who are not 高知
UNCOVERED_MIN = 0.15  # of the 高知, at least this share stays without a liaison
IDLE_SHARE = 0.12  # of the liaison persons, keeping nobody
ENDED_SHARE = 0.11  # of the open pairs, a predecessor that ended
PAIRING_SHARE = 0.04  # of the pool anchored at a branch, a one-to-one pairing with a party member there
LAPSED_SHARE = 0.12  # of the open pairs, talks stopped some months ago (overdue)
PRIVATE_SHARE = 0.15
FOLLOW_UP_SHARE = 0.20
REQUEST_SHARE = 0.30
CLOSED_SHARE = 0.80  # of the follow-ups past their due date
HISTORY_YEARS = 5
REELECTED_SHARE = 0.6  # of the branch secretaries, in their second term
NOT_ON_COMMITTEE = ("离退休人员", "博士研究生", "硕士研究生")

PROGRAMMES = ("国家杰青", "国家优青", "中国科学院百人计划", "青年拔尖人才", "国家级青年人才计划", "万人计划科技创新领军人才",
              "中国科学院青年创新促进会会员", "省部级人才计划")
LEADERSHIPS = ("重点实验室主任", "学科带头人", "课题组长", "重点实验室副主任", "研究中心主任")
FIELD_PATTERNS = ("{d}", "{d}前沿问题", "{d}实验研究", "{d}理论与方法", "{d}关键技术", "{d}交叉研究")
MEASURES = (
    "每季度谈心谈话一次，了解科研和生活情况",
    "邀请参加所党委组织的学习报告会和交流活动",
    "帮助协调课题申报和团队建设中的困难",
    "推荐参加党外知识分子研修班",
    "关心青年人才成长，帮助解决实际困难",
    "及时通报所里重大决策，听取意见建议",
)
END_REASONS = ("工作调动", "调整联系人", "联系人岗位变动", "联系人换届离任", "定期梳理后调整")
TOPICS = (
    "科研进展与团队建设", "国家重点研发计划项目申报", "学科发展规划", "研究生培养", "科技成果转化",
    "国际合作与学术交流", "研究所改革与发展", "学习贯彻党的创新理论", "人才计划申报", "实验平台建设",
    "家庭和生活情况", "对所党委工作的意见建议", "青年人才培养", "科研评价改革",
)
THOUGHTS = (
    "关心子女入学问题", "希望改善实验用房条件", "关注科研评价改革", "近期工作压力较大", "希望多参加学术交流",
    "对入党有初步意向", "思想稳定，专注科研", "关注职称评审政策", "希望加强对青年人才的支持", "对所里发展充满信心",
    "", "",
)
HELP = (
    "介绍了所里的相关政策", "帮助联系了相关职能部门", "推荐参加党外知识分子研修班", "转达所领导班子研究",
    "邀请参加党委中心组学习报告会", "提供了入党相关学习材料", "", "",
)
PRIVATE = (
    "家庭有困难，注意保密", "近期有调离意向，需重点关心", "对个别管理部门有意见", "身体状况欠佳，需多关心",
    "配偶工作尚未解决", "有入党意愿，但顾虑较多",
)
PLACES = ("所办公楼", "实验室", "课题组办公室", "党员活动室", "会议室", "学术报告厅", "")
FORMS = (("talk", 60), ("visit", 15), ("call", 15), ("activity", 10))
REQUESTS = (
    "协调子女入学", "解决实验用房紧张问题", "申请人才公寓", "协助办理出国访问手续", "反映仪器采购流程过长",
    "协调研究生招生名额", "反映配偶就业困难",
)
TASKS = (
    "推荐参加党外知识分子研修班", "邀请参加所庆学术活动", "提供入党相关学习材料", "帮助联系合作课题组",
    "反馈意见建议落实情况", "安排与所领导座谈",
)
RESULTS = ("已协调解决", "已向所领导汇报并落实", "已答复本人，本人表示满意", "已安排，本人已参加", "已办理完毕")
DROPPED = ("本人表示不再需要", "情况已变化，不再办理")
CONCLUSIONS = (
    "{year}年度联系清单梳理：高知群体联系基本覆盖，个别新入所人员需尽快明确联系人。",
    "{year}年度联系清单梳理：谈心谈话总体按季度开展，少数结对谈话不够经常。",
    "{year}年度联系清单梳理：联系人队伍稳定，诉求办理及时，继续做好政治吸纳工作。",
)


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _years_back(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return datetime.date(day.year - years, 3, 1)


@dataclass
class _Liaison:
    person_id: int
    name: str
    role: str
    since: datetime.date  # start of the seat the role rests on
    user_id: int | None = None
    capacity: int = 0
    keeps: int = 0


@dataclass
class _Talent:
    profile: TalentProfile
    name: str
    branch_id: int | None  # the branch the person is anchored at, if any
    high: bool


@dataclass
class _Pair:
    obj: LiaisonPair
    liaison_name: str
    user_id: int | None = None
    lapsed: bool = False
    schedule: list[tuple[datetime.date, dict]] | None = None  # fixed talks (the demo account's pairs)
    talks: list[Talk] = field(default_factory=list)


class LiaisonBuilder:
    def __init__(self, *, seed: int, today: datetime.date, log: Callable[[str], None]) -> None:
        self.rng = random.Random(seed + 11)
        self.today = today
        self.log = log
        self.rules = rulesmod.current(today)
        self.pairs_max = self.rules.n("pairs_max")
        self.interval = self.rules.n("talk_interval_months")
        self.horizon = _years_back(today, HISTORY_YEARS)
        self.pairs: list[_Pair] = []

    def _date(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + _days(self.rng.randint(0, (end - start).days))

    def _early(self, start: datetime.date, end: datetime.date) -> datetime.date:
        """A day between the two, more often near the start (pairs tend to start soon after both can)."""
        if end <= start:
            return start
        return start + _days(int((end - start).days * self.rng.random() ** 3))

    # ---- committee seats of the institutes ------------------------------------------------------------------

    def seat_committees(self, institutes: list[Organization], members: list[dict],
                        dangwei: dict | None) -> dict[str, list[_Liaison]]:
        """5–9 full members in good standing on each institute's committee (one 书记, one 副书记), from the
        institute's branches; the demo account dangwei keeps his seat. Returns the seat holders per path."""
        rng, today = self.rng, self.today
        seated = set(CommitteeSeat.objects.filter(ends_on__isnull=True).values_list("person_id", flat=True))
        by_institute: dict[str, list[dict]] = defaultdict(list)
        for m in members:
            if m["user_id"] is None and m["pk"] not in seated and m["post"] not in NOT_ON_COMMITTEE:
                by_institute[m["path"][:8]].append(m)
        seats: list[CommitteeSeat] = []
        result: dict[str, list[_Liaison]] = {}
        for inst in institutes:
            term = inst.term_started_on or _years_back(today, 1)
            size = rng.randint(*COMMITTEE_SIZE)
            chosen = [dangwei] if dangwei and dangwei["path"].startswith(inst.path) else []
            candidates = by_institute.get(inst.path, [])
            chosen += rng.sample(candidates, min(len(candidates), size - len(chosen)))
            positions = [CommitteePosition.SECRETARY, CommitteePosition.DEPUTY_SECRETARY]
            holders = []
            for m in chosen:
                is_account = dangwei is not None and m is dangwei
                position = CommitteePosition.MEMBER if is_account else (positions.pop(0) if positions else
                                                                         CommitteePosition.MEMBER)
                # Most were re-elected at the last election and sit since the term before.
                start = _years_back(term, 5) if is_account or rng.random() < 0.6 else term
                start = min(max(start, m["converted_on"] or start), today)
                seats.append(CommitteeSeat(organization=inst, person_id=m["pk"], position=position, starts_on=start))
                if position == CommitteePosition.SECRETARY:
                    inst.secretary_name = m["name"]
                holders.append(_Liaison(m["pk"], m["name"], LiaisonRole.COMMITTEE, start, m["user_id"]))
            result[inst.path] = holders
        CommitteeSeat.objects.bulk_create(seats, batch_size=BATCH)
        Organization.objects.bulk_update(institutes, ["secretary_name"], batch_size=BATCH)
        return result

    # ---- the pool -----------------------------------------------------------------------------------------

    def make_pool(self, institutes: dict[str, Organization], people: list[dict]) -> dict[str, list[_Talent]]:
        rng, today = self.rng, self.today
        hk_edu, hk_title = set(self.rules.high_knowledge_educations), set(self.rules.high_knowledge_title_levels)
        pool: dict[str, list[_Talent]] = defaultdict(list)
        for p in people:
            inst = institutes.get(p["path"][:8])
            if inst is None:
                continue
            discipline = p["discipline"] or ""
            student = p["post"] in ("博士研究生", "硕士研究生")
            programmes = ""
            if not student and rng.random() < PROGRAMME_SHARE:
                programmes = "、".join(rng.sample(PROGRAMMES, 1 if rng.random() < 0.8 else 2))
            leadership = rng.choice(LEADERSHIPS) if not student and rng.random() < LEADERSHIP_SHARE else ""
            profile = TalentProfile(
                person_id=p["pk"], organization=inst,
                research_field=rng.choice(FIELD_PATTERNS).format(d=discipline) if discipline else "",
                programmes=programmes, leadership=leadership, backbone=not student,
                added_on=self._date(_years_back(today, 6), _years_back(today, 1)),
            )
            branch_id = p["org_id"] if p["org_type"] in OrgType.branch_types() else None
            high = p["education"] in hk_edu or p["title_level"] in hk_title
            pool[inst.path].append(_Talent(profile, p["name"], branch_id, high))
        TalentProfile.objects.bulk_create([t.profile for ts in pool.values() for t in ts], batch_size=BATCH)
        return pool

    # ---- pairs ------------------------------------------------------------------------------------------------

    def _add_pair(self, inst: Organization, kind: str, liaison: _Liaison, talent: _Talent, started: datetime.date,
                  ended: datetime.date | None = None, reason: str = "", **extra) -> _Pair:
        pair = _Pair(LiaisonPair(organization=inst, kind=kind, liaison_id=liaison.person_id,
                                 liaison_role=liaison.role, talent=talent.profile, started_on=started,
                                 ended_on=ended, end_reason=reason, measures=self.rng.choice(MEASURES)),
                     liaison.name, liaison.user_id, **extra)
        self.pairs.append(pair)
        return pair

    def _earliest(self, liaison: _Liaison, talent: _Talent) -> datetime.date:
        return max(talent.profile.added_on, liaison.since, self.horizon)

    def pair_institute(self, inst: Organization, talents: list[_Talent], liaisons: list[_Liaison],
                       backbones: dict[int, list[_Liaison]], dangwei_id: int | None) -> None:
        rng, today = self.rng, self.today
        talents = list(talents)
        rng.shuffle(talents)
        liaisons = list(liaisons)
        rng.shuffle(liaisons)
        fixed = next((li for li in liaisons if li.person_id == dangwei_id), None)
        others = [li for li in liaisons if li is not fixed]
        idle = round(len(others) * IDLE_SHARE) if len(others) >= 4 else 0
        active = others[idle:]
        for li in active:
            li.capacity = min(self.pairs_max, rng.choice((1, 2, 2, 2)))
        high = [t for t in talents if t.high]
        low = [t for t in talents if not t.high]
        if fixed is not None:
            self._dangwei_pairs(inst, fixed, high[:2])
            high = high[2:]
        target = round(len(talents) * PAIR_SHARE)
        slots = active + [li for li in active if li.capacity > 1]  # everyone active gets one before anyone two
        n_open = min(target, len(slots))
        n_low = min(len(low), round(n_open * OTHER_SHARE))
        n_high = min(n_open - n_low, int(len(high) * (1 - UNCOVERED_MIN)))
        chosen = high[:n_high] + low[:n_low]
        for liaison, talent in zip(slots, chosen, strict=False):
            liaison.keeps += 1
            earliest = self._earliest(liaison, talent)
            started = self._early(earliest, today - _days(20))
            if rng.random() < ENDED_SHARE:
                started = self._predecessor(inst, liaisons, liaison, talent, started)
            self._add_pair(inst, PairKind.LIAISON, liaison, talent, started, lapsed=rng.random() < LAPSED_SHARE)
        # One-to-one pairings with a full member of the person's own branch.
        anchored = [t for t in talents if t.branch_id is not None]
        taken: set[int] = set()
        for talent in anchored[: round(len(anchored) * PAIRING_SHARE)]:
            free = [b for b in backbones.get(talent.branch_id, []) if b.person_id not in taken]
            if not free:
                continue
            backbone = rng.choice(free)
            taken.add(backbone.person_id)
            earliest = max(self._earliest(backbone, talent), _years_back(today, 3))
            self._add_pair(inst, PairKind.PAIRING, backbone, talent,
                           self._date(earliest, max(earliest, today - _days(20))),
                           lapsed=rng.random() < LAPSED_SHARE)

    def _predecessor(self, inst: Organization, liaisons: list[_Liaison], successor: _Liaison, talent: _Talent,
                     started: datetime.date) -> datetime.date:
        """An earlier pair of the talent with another liaison person, ended with a reason; returns the start of
        the pair that replaced it."""
        rng = self.rng
        latest_end = self.today - _days(30)
        for previous in rng.sample(liaisons, len(liaisons)):
            earliest = self._earliest(previous, talent)
            if previous is successor or (latest_end - earliest).days < 240:
                continue
            begun = self._early(earliest, latest_end - _days(180))
            ended = self._date(max(begun + _days(180), self._earliest(successor, talent)), latest_end)
            if ended > latest_end:
                continue
            self._add_pair(inst, PairKind.LIAISON, previous, talent, begun, ended, rng.choice(END_REASONS))
            return min(self.today, ended + _days(rng.randint(0, 20)))
        return started

    def _dangwei_pairs(self, inst: Organization, liaison: _Liaison, talents: list[_Talent]) -> None:
        """The demo account's two pairs: one talked to recently with an open request, one overdue for a talk."""
        today = self.today
        liaison.keeps = liaison.capacity = len(talents)
        for n, talent in enumerate(talents):
            earliest = self._earliest(liaison, talent)
            started = max(earliest, today - _days(700 if n == 0 else 560))
            if n == 0:
                days = [*range(620, 30, -90), 26]
                last = {"request": True}
            else:
                days = list(range(670, 99, -95))
                last = {}
            schedule = [(today - _days(d), {}) for d in days if today - _days(d) >= started]
            if not schedule:
                schedule = [(started, {})]
            schedule[-1] = (schedule[-1][0], last)
            self._add_pair(inst, PairKind.LIAISON, liaison, talent, started, schedule=schedule)

    # ---- talks and follow-ups ---------------------------------------------------------------------------------

    def _talk(self, pair: _Pair, day: datetime.date) -> Talk:
        rng = self.rng
        form = rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]
        return Talk(pair=pair.obj, held_on=day, form=form, place="" if form == "call" else rng.choice(PLACES),
                    topics="；".join(rng.sample(TOPICS, rng.randint(1, 2))), thoughts=rng.choice(THOUGHTS),
                    help_given=rng.choice(HELP),
                    private_notes=rng.choice(PRIVATE) if rng.random() < PRIVATE_SHARE else "",
                    recorded_by_id=pair.user_id)

    def plan_talks(self) -> list[Talk]:
        rng, today = self.rng, self.today
        talks: list[Talk] = []
        for pair in self.pairs:
            p = pair.obj
            if pair.schedule is not None:
                days = [d for d, _ in pair.schedule]
            else:
                end = p.ended_on or today
                if pair.lapsed:
                    end = min(end, today - _days(rng.randint(100, 300)))
                days = []
                day = p.started_on + _days(rng.randint(10, 50))
                while day <= end:
                    days.append(day)
                    step = rng.randint(45, 85)
                    if rng.random() < 0.06:  # a season without a talk
                        step += rng.randint(60, 150)
                    day += _days(step)
            pair.talks = [self._talk(pair, day) for day in days]
            if pair.talks:
                p.last_talk_on = pair.talks[-1].held_on
            talks += pair.talks
        return talks

    def plan_follow_ups(self) -> list[FollowUp]:
        rng, today = self.rng, self.today
        items: list[FollowUp] = []
        for pair in self.pairs:
            schedule = dict(pair.schedule or ())
            for talk in pair.talks:
                fixed = schedule.get(talk.held_on)
                if fixed is not None and fixed.get("request"):
                    items.append(FollowUp(talk=talk, text=REQUESTS[0], owner=pair.liaison_name,
                                          due_on=today + _days(21), is_request=True))
                    continue
                if fixed is not None or rng.random() >= FOLLOW_UP_SHARE:
                    continue
                request = rng.random() < REQUEST_SHARE
                item = FollowUp(talk=talk, text=rng.choice(REQUESTS if request else TASKS),
                                owner=pair.liaison_name[:50], due_on=talk.held_on + _days(rng.randint(14, 56)),
                                is_request=request)
                if item.due_on < today and rng.random() < CLOSED_SHARE:
                    dropped = rng.random() < 0.05
                    item.status = FollowUpStatus.DROPPED if dropped else FollowUpStatus.DONE
                    item.done_on = self._date(talk.held_on + _days(1), min(item.due_on + _days(10), today))
                    item.result = rng.choice(DROPPED if dropped else RESULTS)
                items.append(item)
        return items

    # ---- reviews -----------------------------------------------------------------------------------------------

    def reviews(self, institutes: list[Organization]) -> list[Review]:
        rng, today = self.rng, self.today
        adjusted: Counter[tuple[int, int]] = Counter(
            (p.obj.organization.pk, p.obj.ended_on.year) for p in self.pairs if p.obj.ended_on)
        rows = []
        for inst in institutes:
            for year in range(self.horizon.year + 1, today.year):
                n = adjusted[(inst.pk, year)]
                rows.append(Review(organization=inst, reviewed_on=datetime.date(year, 12, rng.randint(10, 28)),
                                   conclusions=rng.choice(CONCLUSIONS).format(year=year),
                                   adjustments=f"调整联系人{n}人。" if n else "联系人未作调整。"))
        return rows


def build_liaison(*, seed: int, log: Callable[[str], None] | None = None) -> dict:
    """Add the liaison work to a freshly built demo (people, committees and pipelines exist); returns counts."""
    say = log or (lambda message: None)
    started = time.monotonic()
    today = timezone.localdate()
    builder = LiaisonBuilder(seed=seed, today=today, log=say)
    institutes = list(Organization.objects.filter(depth=2, org_type=OrgType.COMMITTEE, closed_on__isnull=True)
                      .order_by("path"))
    by_path = {inst.path: inst for inst in institutes}

    members = list(Person.objects.filter(
        organization__org_type=OrgType.BRANCH, organization__closed_on__isnull=True,
        political_status=PoliticalStatus.CPC_MEMBER, membership__category=MemberCategory.FULL,
        membership__status=MembershipStatus.NORMAL, membership__rights_suspended=False,
        membership__lost_contact=False, membership__mobile=False,
    ).order_by("pk").values("pk", "name", "post", "user_id", "organization_id", path=F("organization__path"),
                            converted_on=F("membership__converted_on")))
    dangwei_pk = Person.objects.filter(user__username="dangwei").values_list("pk", flat=True).first()
    dangwei = next((m for m in members if m["pk"] == dangwei_pk), None)
    committees = builder.seat_committees(institutes, members, dangwei)

    people = list(Person.objects.exclude(political_status__in=PARTY).filter(organization__depth__gte=2)
                  .order_by("pk").values("pk", "name", "discipline", "education", "title_level", "post",
                                         org_id=F("organization_id"), path=F("organization__path"),
                                         org_type=F("organization__org_type")))
    pool = builder.make_pool(by_path, people)

    secretaries: dict[str, list[_Liaison]] = defaultdict(list)
    on_committee = {li.person_id for holders in committees.values() for li in holders}
    seats = (CommitteeSeat.objects.filter(position=CommitteePosition.SECRETARY, ends_on__isnull=True,
                                          organization__org_type__in=OrgType.branch_types(),
                                          organization__closed_on__isnull=True, starts_on__lte=today)
             .order_by("organization__path", "pk")
             .values_list("organization_id", "person_id", "person__name", "person__user_id", "starts_on",
                          "organization__path"))
    converted = {m["pk"]: m["converted_on"] for m in members}
    earlier: list[CommitteeSeat] = []
    for org_id, person_id, name, user_id, since, path in seats:
        if person_id in on_committee or path[:8] not in by_path:
            continue
        began = _years_back(since, 3)
        if user_id is None and converted.get(person_id) and converted[person_id] <= began \
                and builder.rng.random() < REELECTED_SHARE:
            # Re-elected at the last election: the seat of the term before.
            earlier.append(CommitteeSeat(organization_id=org_id, person_id=person_id,
                                         position=CommitteePosition.SECRETARY, starts_on=began,
                                         ends_on=since - datetime.timedelta(days=1), note="换届连任"))
            since = began
        secretaries[path[:8]].append(_Liaison(person_id, name, LiaisonRole.BRANCH_SECRETARY, since, user_id))
    CommitteeSeat.objects.bulk_create(earlier, batch_size=BATCH)
    liaison_ids = on_committee | {li.person_id for ls in secretaries.values() for li in ls}
    backbones: dict[int, list[_Liaison]] = defaultdict(list)
    for m in members:
        if m["user_id"] is None and m["pk"] not in liaison_ids and m["converted_on"]:
            backbones[m["organization_id"]].append(_Liaison(m["pk"], m["name"], LiaisonRole.BACKBONE,
                                                            m["converted_on"]))
    dangwei_id = dangwei["pk"] if dangwei else None
    for inst in institutes:
        builder.pair_institute(inst, pool.get(inst.path, []), committees[inst.path] + secretaries[inst.path],
                               backbones, dangwei_id)

    talks = builder.plan_talks()  # sets last_talk_on before the pairs are written
    LiaisonPair.objects.bulk_create([p.obj for p in builder.pairs], batch_size=BATCH)
    Talk.objects.bulk_create(talks, batch_size=BATCH)
    connection.queries_log.clear()
    follow_ups = builder.plan_follow_ups()
    FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
    reviews = builder.reviews(institutes)
    Review.objects.bulk_create(reviews, batch_size=BATCH)
    latest = [r for r in reviews if r.reviewed_on.year == today.year - 1]
    if latest:  # the coverage as it was, for the demo institute's last review
        from .selectors import coverage_totals

        latest[0].snapshot = coverage_totals(organization=latest[0].organization, on=latest[0].reviewed_on)
        latest[0].save(update_fields=["snapshot"])
    from .summaries import refresh

    refresh(on=today)  # the coverage review's numbers per organization
    connection.queries_log.clear()
    counts = {
        "committee_seats": sum(len(h) for h in committees.values()),
        "pool": sum(len(t) for t in pool.values()),
        "pairs": len(builder.pairs),
        "open_pairs": sum(1 for p in builder.pairs if p.obj.ended_on is None),
        "talks": len(talks), "follow_ups": len(follow_ups), "reviews": len(reviews),
    }
    say(f"党外人才 {counts['pool']} 人，联系结对 {counts['pairs']} 对，谈心谈话 {counts['talks']} 次，"
        f"后续事项 {counts['follow_ups']} 项（{time.monotonic() - started:.1f} 秒）")
    return counts


