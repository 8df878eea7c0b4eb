"""Demo data: a realistic academy with institutes, branches, people and the demo accounts of DESIGN.md.

`build_demo("small")` is what the Quick start loads (a few seconds on SQLite); `build_demo("cas")` builds
an academy-sized system (≈100 institute committees, ≈2,500 branches, ≈80,000 people) in well under five
minutes on PostgreSQL. To be that fast everything is planned in Python first and written with
bulk_create in batches: the treebeard materialized paths (path, depth, numchild) are computed here, so
no per-node tree operation ever runs. bulk_create sends no signals, so the bulk rows are not audited.

The data is deterministic for a given seed and day: dates are laid out relative to today so that the
health warnings (terms ending within 90 days or overdue, a branch over 50 members, a branch with seven
or more full members and no committee) always show.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from random import Random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from members import idcard
from members.codes import (
    ETHNICITY_CHOICES,
    Degree,
    Education,
    LostContactReason,
    MemberCategory,
    MembershipStatus,
    PoliticalStatus,
    Sex,
    TitleLevel,
)
from members.models import PartyMembership, Person
from members.services import pinyin_for

from .models import CommitteePosition, CommitteeSeat, Organization, OrgType, Role, RoleKind, UnitRelation

DEFAULT_SEED = 2026
ACADEMY = "中国科学院"
BATCH = 2000
MAX_BRANCH = 48  # every branch but one stays at or under the 50-member limit
BIG_BRANCH = (52, 58)  # the one branch that is over it
SEAT_POOL = 10  # full members per committee branch kept aside to fill its committee seats


@dataclass(frozen=True)
class Scale:
    institutes: int
    branches: int
    members: int
    non_members: int


SCALES: dict[str, Scale] = {
    "small": Scale(institutes=3, branches=20, members=380, non_members=120),
    "cas": Scale(institutes=100, branches=2500, members=60000, non_members=20000),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    sex: str


DEMO_ACCOUNTS: dict[str, DemoAccount] = {
    a.username: a
    for a in (
        DemoAccount("admin", "周立群", Sex.MALE),
        DemoAccount("zuzhibu", "王建国", Sex.MALE),
        DemoAccount("dangwei", "李明哲", Sex.MALE),
        DemoAccount("shuji_a", "张晓燕", Sex.FEMALE),
        DemoAccount("shuji_b", "刘志强", Sex.MALE),
        DemoAccount("dangyuan", "赵喆", Sex.MALE),
    )
}


@dataclass(frozen=True)
class DemoSummary:
    organizations: int
    branches: int
    people: int
    members: int
    non_members: int
    seconds: float


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# ---- reference data ------------------------------------------------------------------------------------

# Surnames with their approximate share (per mille) in the population.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 64), ("刘", 53), ("陈", 45), ("杨", 31), ("黄", 22), ("赵", 20),
    ("吴", 19), ("周", 19), ("徐", 16), ("孙", 15), ("马", 13), ("朱", 12), ("胡", 12), ("郭", 11),
    ("何", 11), ("林", 10), ("高", 10), ("罗", 9), ("郑", 9), ("梁", 8), ("谢", 7), ("宋", 7), ("唐", 7),
    ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6), ("曹", 6), ("彭", 5.5), ("曾", 5.5), ("肖", 5.3),
    ("田", 5.2), ("董", 5.1), ("袁", 5), ("潘", 5), ("于", 4.9), ("蒋", 4.8), ("蔡", 4.7), ("余", 4.6),
    ("杜", 4.5), ("叶", 4.4), ("程", 4.3), ("苏", 4.2), ("魏", 4.1), ("吕", 4), ("丁", 3.9), ("任", 3.8),
    ("沈", 3.7), ("姚", 3.6), ("卢", 3.5), ("姜", 3.4), ("崔", 3.3), ("钟", 3.2), ("谭", 3.1), ("陆", 3),
    ("汪", 3), ("范", 2.9), ("金", 2.8), ("石", 2.8), ("廖", 2.7), ("贾", 2.7), ("夏", 2.6), ("韦", 2.6),
    ("付", 2.5), ("方", 2.5), ("白", 2.4), ("邹", 2.4), ("孟", 2.3), ("熊", 2.3), ("秦", 2.2), ("邱", 2.2),
    ("江", 2.1), ("尹", 2.1), ("薛", 2), ("闫", 2), ("段", 1.9), ("雷", 1.9), ("侯", 1.8), ("龙", 1.8),
    ("史", 1.7), ("陶", 1.7), ("黎", 1.6), ("贺", 1.6), ("顾", 1.5), ("毛", 1.5), ("郝", 1.5), ("龚", 1.4),
    ("邵", 1.4), ("万", 1.4), ("钱", 1.3), ("严", 1.3), ("覃", 1.3), ("武", 1.2), ("戴", 1.2), ("莫", 1.2),
    ("孔", 1.1), ("向", 1.1), ("汤", 1.1), ("常", 1), ("温", 1), ("康", 1), ("施", 0.9), ("文", 0.9),
    ("牛", 0.9), ("樊", 0.8), ("葛", 0.8), ("邢", 0.8), ("安", 0.7), ("齐", 0.7), ("易", 0.7), ("乔", 0.7),
    ("伍", 0.6), ("庞", 0.6), ("颜", 0.6), ("倪", 0.6), ("庄", 0.5), ("聂", 0.5), ("章", 0.5), ("鲁", 0.5),
    ("岳", 0.5), ("翟", 0.4), ("殷", 0.4), ("詹", 0.4), ("申", 0.4), ("欧", 0.4), ("耿", 0.4), ("关", 0.4),
    ("兰", 0.3), ("焦", 0.3), ("俞", 0.3), ("左", 0.3), ("柳", 0.3), ("甘", 0.3), ("祝", 0.3), ("包", 0.3),
    ("宁", 0.2), ("尚", 0.2), ("符", 0.2), ("舒", 0.2), ("阮", 0.2), ("柯", 0.2), ("纪", 0.2), ("梅", 0.2),
    ("童", 0.2), ("凌", 0.2), ("毕", 0.2), ("单", 0.2), ("季", 0.2), ("裴", 0.2), ("霍", 0.2), ("涂", 0.2),
    # Two-character surnames, over-represented so that a small system has a few of them.
    ("欧阳", 4), ("司马", 2), ("上官", 2), ("诸葛", 1.5), ("司徒", 2), ("皇甫", 1), ("东方", 1), ("令狐", 1),
    ("慕容", 1), ("夏侯", 1), ("尉迟", 0.5), ("公孙", 1),
)
GIVEN_MALE = _words(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 旭 宁 龙 林 阳 建 国 志 文 东 海 峰 亮 "
    "晨 昊 然 博 睿 哲 轩 航 泽 宏 毅 锋 振 翔 彬 立 新 春 永 光 天 德 成 兴 良 庆 学 安 思 源 远 晓 子 一 嘉 家 昌 "
    "荣 瑞 卫 红 长 云 江 山 金 铭 晟 琛 骏 逸 楷 铮 韬 烨 晗 钧 弘 为"
)
GIVEN_FEMALE = _words(
    "芳 娜 敏 静 丽 艳 娟 霞 秀 英 玲 婷 雪 慧 颖 琳 燕 倩 萍 红 洁 梅 琴 蕾 薇 晶 璐 月 佳 欣 悦 怡 涵 雯 琪 "
    "瑶 婧 妍 楠 茜 丹 岚 晴 露 馨 宁 思 雨 诗 梦 晓 婉 若 子 一 嘉 文 华 玉 春 凤 兰 莉 珊 蓉 菲 琦 璇 萱 "
    "璐 晨 希 宜 安 然 清 心 亚 云 凌 君"
)
# Characters outside the common sets of many fonts and input methods; they must survive every path.
RARE_MALE = _words("喆 堃 犇 昇 赟 翀 镕 彧 骞 淼")
RARE_FEMALE = _words("玥 祎 珺 琰 旻 淼 喆 昇")
RARE_SHARE = 0.05

# Real county-level division codes (the first six digits of an ID number).
REGIONS = _words(
    "110101 110102 110105 110106 110108 110114 120101 120104 130102 130104 140105 150102 210102 210202 "
    "210203 220102 220104 230103 310101 310104 310110 310115 320102 320106 320506 330102 330106 340104 "
    "340111 350102 350203 360102 370102 370202 410105 410305 420102 420111 430104 430111 440103 440106 "
    "440305 450103 460106 500103 500106 510104 510107 520102 530102 610103 610113 620102 630104 640104 "
    "650102 540102 371002 321002 130602 411302 421102"
)

# Ethnic groups with their rough share among researchers (the rest are 汉族).
_ETHNIC_CODES = {name: code for code, name in ETHNICITY_CHOICES}
MINORITIES: tuple[tuple[str, float], ...] = tuple(
    (_ETHNIC_CODES[name], weight)
    for name, weight in (
        ("回族", 14), ("满族", 14), ("蒙古族", 8), ("壮族", 8), ("朝鲜族", 6), ("土家族", 6), ("苗族", 5),
        ("藏族", 3), ("维吾尔族", 3), ("彝族", 3), ("白族", 2), ("侗族", 2), ("锡伯族", 1), ("哈萨克族", 1),
        ("畲族", 1), ("纳西族", 1),
    )
)
HAN_SHARE = 0.92

# Fields of institutes: a name stem and the disciplines (which also name its research divisions).
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("物理", ("凝聚态物理", "光学", "理论物理", "原子与分子物理", "等离子体物理", "磁学")),
    ("化学", ("有机化学", "物理化学", "高分子化学与物理", "分析化学", "无机化学", "化学生物学")),
    ("有机化学", ("有机合成", "金属有机化学", "天然产物化学", "生命有机化学", "物理有机化学")),
    ("化学物理", ("催化化学", "分子反应动力学", "化学激光", "燃料电池", "生物分离")),
    ("应用化学", ("高分子物理", "稀土化学", "电分析化学", "高分子材料")),
    ("光学精密机械", ("光学工程", "精密仪器", "激光技术", "空间光学")),
    ("力学", ("流体力学", "固体力学", "工程力学", "微重力科学")),
    ("半导体", ("半导体物理", "微电子学", "光电子学", "集成电路设计")),
    ("计算技术", ("计算机系统结构", "计算机软件与理论", "网络与信息安全", "人工智能")),
    ("软件", ("软件工程", "形式化方法", "中文信息处理", "基础软件")),
    ("自动化", ("模式识别", "控制理论与控制工程", "智能机器人", "复杂系统")),
    ("声学", ("水声学", "超声学", "语言声学", "噪声与振动控制")),
    ("电子学", ("电磁场与微波技术", "电路与系统", "传感技术")),
    ("地质与地球物理", ("构造地质学", "地球物理学", "矿床地质学", "岩石圈演化")),
    ("地理科学与资源", ("自然地理学", "人文地理学", "地图学与地理信息系统", "生态系统研究")),
    ("大气物理", ("大气物理学", "气候动力学", "大气化学", "数值天气预报")),
    ("海洋", ("物理海洋学", "海洋生物学", "海洋地质学", "海洋化学")),
    ("植物", ("植物学", "植物生态学", "系统与进化植物学", "植物分子生理")),
    ("动物", ("动物学", "动物进化与系统学", "保护生物学", "分子进化")),
    ("生物物理", ("生物化学与分子生物学", "结构生物学", "神经生物学", "生物物理学")),
    ("微生物", ("微生物学", "病原微生物", "工业微生物", "微生物资源")),
    ("遗传与发育生物学", ("遗传学", "发育生物学", "分子育种", "植物基因组学")),
    ("心理", ("认知心理学", "发展心理学", "健康心理学", "社会心理学")),
    ("金属", ("金属材料", "材料加工工程", "腐蚀与防护", "功能材料")),
    ("过程工程", ("化学工程", "生化工程", "多相复杂系统", "资源与环境工程")),
    ("能源", ("新能源", "储能技术", "热能工程", "生物质能")),
    ("工程热物理", ("燃烧学", "叶轮机械", "传热传质", "储能系统")),
    ("高能物理", ("粒子物理", "核技术及应用", "加速器物理", "宇宙线物理")),
    ("生态环境", ("环境科学", "环境工程", "生态学", "环境化学")),
    ("水生生物", ("水生生物学", "渔业资源", "淡水生态学", "藻类学")),
    ("土壤", ("土壤学", "土壤化学", "土壤物理", "植物营养")),
    ("岩土力学", ("岩土工程", "岩石力学", "地质灾害防治", "水工结构")),
    ("地球化学", ("同位素地球化学", "有机地球化学", "矿物学", "环境地球化学")),
    ("生物", ("生物多样性", "生物技术", "资源植物学", "保护生态学")),
    ("光电技术", ("光电工程", "自适应光学", "微细加工", "光电探测")),
    ("材料", ("纳米材料", "复合材料", "陶瓷材料", "材料表征")),
    ("数学与系统科学", ("基础数学", "应用数学", "计算数学", "运筹学", "系统科学")),
)
CITIES = _words(
    "上海 大连 长春 兰州 成都 武汉 广州 西安 南京 昆明 沈阳 合肥 福州 青岛 宁波 苏州 深圳 重庆 哈尔滨 太原 杭州 "
    "济南 郑州 南昌 厦门 天津 长沙 贵阳 烟台 乌鲁木齐 西宁 石家庄 南宁 呼和浩特"
)
COASTAL_CITIES = _words("大连 青岛 宁波 厦门 广州 烟台 深圳 天津 上海 福州 南宁")
COASTAL_FIELDS = {"海洋"}
ACADEMY_LEVEL_FIELD = "数学与系统科学"  # a 研究院, and only one of it
SUPPORT_UNITS = (
    "分析测试中心", "技术支撑部", "公共技术服务中心", "信息中心", "期刊编辑部", "科技成果转化中心", "图书馆",
    "后勤服务中心",
)
ADMIN_POSTS = (
    "党委办公室干部", "综合办公室主任", "人事处干部", "科技处项目主管", "财务处会计", "资产处干部", "研究生部主管",
    "国际合作处干部", "纪检审计处干部", "条件保障处干部",
)
STAFF_POSTS = ("科研人员", "科研人员", "科研人员", "课题组长", "博士后", "实验技术人员", "工程技术人员", "项目主管")
COMPANIES = ("科技有限公司", "仪器设备有限公司", "技术开发有限公司", "新材料有限公司", "信息技术有限公司")
DESTINATIONS = (
    "广东省深圳市", "浙江省杭州市", "新疆维吾尔自治区喀什地区（援疆）", "西藏自治区拉萨市（援藏）", "海南省三亚市",
    "江苏省苏州市", "四川省成都市", "南极中山站（科考）", "美国（访问学者）", "德国（合作研究）",
)
DEMOCRATIC_PARTIES: tuple[tuple[str, float], ...] = (
    (PoliticalStatus.JIUSAN, 35), (PoliticalStatus.CDL, 20), (PoliticalStatus.CAPD, 12),
    (PoliticalStatus.CPWDP, 10), (PoliticalStatus.CZGP, 8), (PoliticalStatus.CNDCA, 7),
    (PoliticalStatus.RCCK, 6), (PoliticalStatus.TDSGL, 2),
)
_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 99 → 九十九 (1–99)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the anniversary is 1 March, as the membership rules count it
        return datetime.date(day.year + years, 3, 1)


@cache
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_for(name)


# ---- the plan: organizations before they exist ---------------------------------------------------------


@dataclass
class _Node:
    fields: dict
    children: list[_Node] = field(default_factory=list)
    population: str = ""  # branches: staff, admin, student, retiree, joint, temporary
    size: int = 0
    probationary: int = 0
    secretary: tuple[str, str] | None = None  # (name, sex) of the member in slot 0
    accounts: dict[int, str] = field(default_factory=dict)  # slot → demo username
    groups: list[_Node] = field(default_factory=list)
    # Branches with a committee: the first full members (person, membership, holds a demo account), slot order.
    seat_pool: list[tuple[Person, PartyMembership, bool]] = field(default_factory=list)
    path: str = ""
    depth: int = 0
    obj: Organization | None = None

    def add(self, child: _Node) -> _Node:
        self.children.append(child)
        return child


@dataclass
class _Institute:
    name: str
    unit: str
    disciplines: tuple[str, ...]
    domain: str
    node: _Node
    branches: list[_Node] = field(default_factory=list)


class DemoBuilder:
    def __init__(self, scale: Scale, *, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None):
        self.scale = scale
        self.rng = Random(seed)
        self.log = log or (lambda message: None)
        self.today = timezone.localdate()
        self.code_seq = 0
        self.used_ids: set[str] = set()
        self.used_emails: set[str] = set()
        self.domains: set[str] = set()
        self.surnames = [s for s, _ in SURNAMES]
        self.surname_weights = _cumulative(w for _, w in SURNAMES)
        self.minorities = [c for c, _ in MINORITIES]
        self.minority_weights = _cumulative(w for _, w in MINORITIES)
        self.parties = [str(c) for c, _ in DEMOCRATIC_PARTIES]
        self.party_weights = _cumulative(w for _, w in DEMOCRATIC_PARTIES)
        self.institutes: list[_Institute] = []
        self.root: _Node | None = None
        self.users: dict[str, object] = {}

    # ---- small helpers ----

    def _date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        if end <= start:
            return start
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def _code(self) -> str:
        self.code_seq += 1
        return f"11{self.code_seq:08d}"

    def _phone(self) -> str:
        prefix = self.rng.choice(("13", "15", "18", "17", "19", "13", "18"))
        return f"{prefix}{self.rng.randrange(10**9):09d}"

    def _name(self, sex: str) -> str:
        rng = self.rng
        surname = rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        pool = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
        length = 1 if rng.random() < (0.35 if len(surname) == 2 else 0.25) else 2
        given = [rng.choice(pool) for _ in range(length)]
        if rng.random() < RARE_SHARE:
            given[rng.randrange(length)] = rng.choice(RARE_MALE if sex == Sex.MALE else RARE_FEMALE)
        if length == 2 and given[0] == given[1] and rng.random() < 0.7:
            given[1] = rng.choice(pool)
        return surname + "".join(given)

    def _id_number(self, birth: datetime.date, sex: str) -> str:
        while True:
            number = idcard.make(self.rng.choice(REGIONS), birth, self.rng.randrange(500), sex)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _email(self, name: str, domain: str) -> str:
        base = _pinyin(name)[0] or "user"
        candidate, n = f"{base}@{domain}", 1
        while candidate in self.used_emails:
            n += 1
            candidate = f"{base}{n}@{domain}"
        self.used_emails.add(candidate)
        return candidate

    def _term(self, years: int, *, overdue: float = 0.04) -> tuple[datetime.date, datetime.date]:
        """A committee term of `years`; a share of them overdue (the election is late)."""
        today = self.today
        if self.rng.random() < overdue:
            ends = today - datetime.timedelta(days=self.rng.randint(1, 300))
        else:
            ends = today + datetime.timedelta(days=self.rng.randint(1, 365 * years))
        return add_years(ends, -years), ends

    # ---- the tree ----

    def plan_tree(self) -> None:
        rng, scale = self.rng, self.scale
        root = _Node({
            "name": f"中共{ACADEMY}党组", "short_name": "院党组", "org_type": OrgType.COMMITTEE,
            "code": self._code(), "founded_on": datetime.date(1955, 6, 1), "unit_name": ACADEMY,
            "unit_relation": UnitRelation.LEGAL_ENTITY, "has_committee": True,
            "secretary_name": self._name(Sex.MALE), "contact_name": self._name(Sex.FEMALE),
            "contact_phone": "010-6859" + f"{rng.randrange(10000):04d}",
        })
        self.root = root
        names = self._institute_names(scale.institutes)
        weights = [1.6, 1.2, 1.0] + [rng.lognormvariate(0, 0.55) for _ in range(max(0, len(names) - 3))]
        counts = _apportion(scale.branches, weights[: len(names)], minimum=5)
        for index, ((name, disciplines), count) in enumerate(zip(names, counts, strict=True)):
            self.institutes.append(self._plan_institute(index, name, disciplines, count))
        self._plan_sizes()

    def _institute_names(self, count: int) -> list[tuple[str, tuple[str, ...]]]:
        by_stem = dict(FIELDS)
        result = [("物理研究所", by_stem["物理"]), ("化学研究所", by_stem["化学"]),
                  ("上海有机化学研究所", by_stem["有机化学"])]
        seen = {name for name, _ in result}
        for stem, disciplines in FIELDS:  # every field once without a city, then city + field
            name = f"{stem}研究院" if stem == ACADEMY_LEVEL_FIELD else f"{stem}研究所"
            if name not in seen and len(result) < count:
                seen.add(name)
                result.append((name, disciplines))
        guard = 0
        while len(result) < count and guard < 100_000:
            guard += 1
            stem, disciplines = self.rng.choice(FIELDS)
            if stem == ACADEMY_LEVEL_FIELD:
                continue
            name = f"{self.rng.choice(COASTAL_CITIES if stem in COASTAL_FIELDS else CITIES)}{stem}研究所"
            if name not in seen:
                seen.add(name)
                result.append((name, disciplines))
        return result[:count]

    def _plan_institute(self, index: int, name: str, disciplines: tuple[str, ...], count: int) -> _Institute:
        rng, root, today = self.rng, self.root, self.today
        assert root is not None
        unit = f"{ACADEMY}{name}"
        short = name.replace("研究所", "所").replace("研究院", "院")
        founded = datetime.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
        start, ends = self._term(5)
        node = root.add(_Node({
            "name": f"中共{unit}委员会", "short_name": f"{short}党委", "org_type": OrgType.COMMITTEE,
            "code": self._code(), "founded_on": founded, "unit_name": unit,
            "unit_relation": UnitRelation.LEGAL_ENTITY, "has_committee": True,
            "term_started_on": start, "term_ends_on": ends,
            "secretary_name": self._name(Sex.MALE if rng.random() < 0.8 else Sex.FEMALE),
            "contact_name": self._name(rng.choice(Sex.values)), "contact_phone": self._phone(),
        }))
        domain = f"i{_pinyin(short.removesuffix('所').removesuffix('院'))[1][:6]}.ac.cn"
        while domain in self.domains:
            domain = domain.replace(".ac.cn", f"{len(self.domains) % 10}.ac.cn")
        self.domains.add(domain)
        inst = _Institute(name=name, unit=unit, disciplines=disciplines, domain=domain, node=node)

        def branch(parent: _Node, label: str, population: str, **extra) -> _Node:
            child = parent.add(self._branch_node(inst, parent, label, population, **extra))
            inst.branches.append(child)
            return child

        # Who sits where: administration, graduate students, retirees, companies, research divisions.
        remaining = count
        admin_count = 2 if count >= 30 else 1
        for i in range(admin_count):
            branch(node, "机关党支部" if admin_count == 1 else f"机关第{cn_number(i + 1)}党支部", "admin")
        remaining -= admin_count
        if count >= 8:
            students = min(6, max(2, count // 8))
            general = node.add(self._general_node(inst, node, "研究生"))
            for i in range(students):
                branch(general, f"研究生第{cn_number(i + 1)}党支部", "student")
            remaining -= students
        elif count >= 5:
            branch(node, "研究生党支部", "student")
            remaining -= 1
        if count >= 20:
            retirees = min(3, count // 15)
            general = node.add(self._general_node(inst, node, "离退休"))
            for i in range(retirees):
                branch(general, f"离退休第{cn_number(i + 1)}党支部", "retiree")
            remaining -= retirees
        elif count >= 6:
            branch(node, "离退休党支部", "retiree")
            remaining -= 1
        if (count >= 10 and rng.random() < 0.35) or (index == 1 and count >= 5):
            companies = "、".join(
                f"{rng.choice(CITIES)}{short.removesuffix('所')}{rng.choice(COMPANIES)}" for _ in range(rng.randint(2, 4))
            )
            branch(node, "所属企业联合党支部", "joint", unit_name=companies, unit_relation=UnitRelation.JOINT)
            remaining -= 1
        if index == 0:
            temporary = branch(node, "重大科技基础设施建设项目临时党支部", "temporary")
            temporary.fields.update(
                founded_on=today - datetime.timedelta(days=rng.randint(60, 300)),
                term_started_on=None, term_ends_on=None,
            )
            remaining -= 1
        labels = [f"{d}研究室" for d in disciplines] + list(SUPPORT_UNITS)
        n = 0
        for i in range(max(1, remaining)):
            if i < len(labels):
                label = labels[i]
            else:
                n += 1
                label = f"第{cn_number(n)}研究室"
            branch(node, f"{label}党支部", "staff")
        return inst

    def _general_node(self, inst: _Institute, parent: _Node, label: str) -> _Node:
        start, ends = self._term(3)
        return _Node({
            "name": f"中共{inst.unit}{label}总支部委员会", "short_name": f"{label}党总支",
            "org_type": OrgType.GENERAL_BRANCH, "code": self._code(),
            "founded_on": self._date_between(parent.fields["founded_on"], self.today - datetime.timedelta(days=3000)),
            "unit_name": inst.unit, "has_committee": True, "term_started_on": start, "term_ends_on": ends,
            "secretary_name": self._name(self.rng.choice(Sex.values)), "contact_name": self._name(self.rng.choice(Sex.values)),
            "contact_phone": self._phone(),
        })

    def _branch_node(self, inst: _Institute, parent: _Node, label: str, population: str, **extra) -> _Node:
        org_type = {"joint": OrgType.JOINT_BRANCH, "temporary": OrgType.TEMPORARY_BRANCH}.get(population, OrgType.BRANCH)
        start, ends = self._term(3, overdue=0.05)
        fields = {
            "name": label, "short_name": label, "org_type": org_type, "code": self._code(),
            "founded_on": self._date_between(parent.fields["founded_on"], self.today - datetime.timedelta(days=400)),
            "unit_name": inst.unit, "term_started_on": start, "term_ends_on": ends,
            "contact_name": self._name(self.rng.choice(Sex.values)), "contact_phone": self._phone(),
            **extra,
        }
        return _Node(fields, population=population)

    def _plan_sizes(self) -> None:
        """Members per branch, the committees that follow from them, the party groups and the demo slots."""
        rng = self.rng
        first = self.institutes[0]
        research = [b for b in first.branches if b.population == "staff"]
        branch_a, branch_b = research[0], research[1]
        big = research[2] if len(research) > 2 else first.branches[0]
        fixed = {id(branch_a): 24, id(branch_b): 11, id(big): rng.randint(*BIG_BRANCH)}
        everyone = [b for inst in self.institutes for b in inst.branches]
        for b in everyone:
            if b.population == "temporary":
                fixed[id(b)] = rng.randint(4, 6)  # appointed, no committee: stays under seven
        free = [b for b in everyone if id(b) not in fixed]
        budget = self.scale.members - sum(fixed.values())
        spread = {"joint": (4, 12, 7), "retiree": (10, 45, 25), "student": (8, 42, 22)}
        raw = [rng.triangular(*spread.get(b.population, (4, 46, 24))) for b in free]
        sizes = _apportion(budget, raw, minimum=3, maximum=MAX_BRANCH)
        for b, size in zip(free, sizes, strict=True):
            b.size = size
        for b in everyone:
            b.size = fixed.get(id(b), b.size)
            share = {"student": 0.15, "retiree": 0.0, "temporary": 0.0}.get(b.population, 0.03)
            b.probationary = sum(rng.random() < share for _ in range(max(0, b.size - 2)))
            if b is branch_a or b is branch_b:
                b.probationary = 2 if b is branch_a else 1
            full = b.size - b.probationary
            b.fields["has_committee"] = full >= 7 and b.population != "temporary" and rng.random() > 0.03
        # At least one branch that should have a committee and has none, so the warning shows.
        lacking = [b for b in first.branches if b not in (branch_a, branch_b, big) and b.population == "staff"
                   and b.size - b.probationary >= 7]
        if lacking:
            lacking[-1].fields["has_committee"] = False
        branch_a.fields["has_committee"] = True
        branch_a.fields["term_ends_on"] = self.today + datetime.timedelta(days=45)
        branch_a.fields["term_started_on"] = add_years(branch_a.fields["term_ends_on"], -3)
        branch_b.fields["term_ends_on"] = self.today + datetime.timedelta(days=600)
        branch_b.fields["term_started_on"] = add_years(branch_b.fields["term_ends_on"], -3)
        big.fields["has_committee"] = True
        if len(research) > 3:  # and one overdue election in the demo institute
            research[3].fields["term_ends_on"] = self.today - datetime.timedelta(days=40)
            research[3].fields["term_started_on"] = add_years(research[3].fields["term_ends_on"], -3)

        admin_branch = next(b for b in first.branches if b.population == "admin")
        branch_a.accounts = {0: "shuji_a", 1: "dangyuan"}
        branch_b.accounts = {0: "shuji_b"}
        admin_branch.accounts = {1: "dangwei"}

        for inst in self.institutes:
            for b in inst.branches:
                account = DEMO_ACCOUNTS.get(b.accounts.get(0, ""))
                if account:
                    b.secretary = (account.full_name, account.sex)
                else:
                    sex = Sex.MALE if rng.random() < 0.6 else Sex.FEMALE
                    b.secretary = (self._name(sex), sex)
                b.fields["secretary_name"] = b.secretary[0]
                unit_label = b.fields["name"]
                suffix = "支部委员会" if b.fields["has_committee"] else "支部"
                b.fields["name"] = f"中共{inst.unit}{unit_label.removesuffix('党支部')}{suffix}"
                wants_groups = b is branch_a or (
                    b.size >= 18 and rng.random() < (0.7 if b.population == "retiree" else 0.4)
                )
                if wants_groups and b.population != "temporary":
                    count = 2 if b.size < 30 else (3 if b.size <= 48 else 4)
                    for i in range(count):
                        ordinal = f"第{cn_number(i + 1)}党小组"
                        group = b.add(_Node({
                            "name": f"{b.fields['short_name']}{ordinal}", "short_name": ordinal,
                            "org_type": OrgType.PARTY_GROUP, "code": self._code(),
                            "founded_on": self._date_between(b.fields["founded_on"], self.today),
                            "unit_name": inst.unit,
                        }))
                        b.groups.append(group)

    # ---- writing ----

    def assign_paths(self) -> list[_Node]:
        """Treebeard materialized paths (steplen 4), depth and numchild, computed in one walk."""
        assert self.root is not None
        ordered: list[_Node] = []
        stack: list[tuple[_Node, str, int, int]] = [(self.root, "", 1, 1)]
        while stack:
            node, parent_path, depth, step = stack.pop()
            node.path = Organization._get_path(parent_path, depth, step)
            node.depth = depth
            ordered.append(node)
            for i, child in reversed(list(enumerate(node.children, start=1))):
                stack.append((child, node.path, depth + 1, i))
        return ordered

    def create_organizations(self) -> int:
        nodes = self.assign_paths()
        objs = []
        for node in nodes:
            node.obj = Organization(path=node.path, depth=node.depth, numchild=len(node.children), **node.fields)
            objs.append(node.obj)
        Organization.objects.bulk_create(objs, batch_size=BATCH)
        if any(o.pk is None for o in objs):  # databases that do not return ids from a bulk insert
            ids = dict(Organization.objects.values_list("path", "pk"))
            for o in objs:
                o.pk = ids[o.path]
        return len(objs)

    def create_accounts(self) -> None:
        assert self.root is not None
        assert self.root.obj is not None
        first = self.institutes[0]
        branch_a = next(b for b in first.branches if b.accounts.get(0) == "shuji_a")
        branch_b = next(b for b in first.branches if b.accounts.get(0) == "shuji_b")
        password = make_password(settings.PORTAL_DEMO_PASSWORD)  # hashed once: the same password for all
        User = get_user_model()
        for account in DEMO_ACCOUNTS.values():
            is_admin = account.username == "admin"
            self.users[account.username] = User.objects.create(
                username=account.username, first_name=account.full_name, password=password,
                email=f"{account.username}@{first.domain}", is_staff=is_admin, is_superuser=is_admin,
            )
        two_years_ago = add_years(self.today, -2)
        grants = [
            ("admin", self.root, RoleKind.SYSTEM_ADMIN, two_years_ago),
            ("zuzhibu", self.root, RoleKind.ORG_DEPARTMENT, two_years_ago),
            ("dangwei", first.node, RoleKind.COMMITTEE_MEMBER, first.node.fields["term_started_on"]),
            ("shuji_a", branch_a, RoleKind.SECRETARY, branch_a.fields["term_started_on"]),
            ("shuji_b", branch_b, RoleKind.SECRETARY, branch_b.fields["term_started_on"]),
        ]
        Role.objects.bulk_create(
            Role(user=self.users[username], organization=node.obj, kind=kind, starts_on=min(start, self.today))
            for username, node, kind, start in grants
        )

    def create_people(self) -> tuple[int, int]:
        writer = _PeopleWriter()
        total_members = sum(b.size for inst in self.institutes for b in inst.branches)
        non_member_counts = _apportion(
            self.scale.non_members,
            [sum(b.size for b in inst.branches if b.population != "retiree") or 1 for inst in self.institutes],
            minimum=0,
        )
        members = non_members = 0
        for inst, extra in zip(self.institutes, non_member_counts, strict=True):
            start = len(writer.memberships)
            for b in inst.branches:
                members += self._branch_members(inst, b, writer)
            self._flag_members(writer.memberships[start:])
            non_members += self._non_members(inst, extra, writer)
            if len(writer.people) >= BATCH:
                writer.flush()
                self.log(f"  {members + non_members} / {total_members + self.scale.non_members}")
        writer.flush()
        return members, non_members

    # ---- people ----

    def _profile(self, population: str, *, sex: str | None = None) -> dict:
        """Birth, education, title and post of someone in this kind of branch."""
        rng, today = self.rng, self.today
        sex = sex or (Sex.MALE if rng.random() < (0.58 if population != "student" else 0.52) else Sex.FEMALE)
        if population == "student":
            age = rng.randint(22, 30)
        elif population == "retiree":
            age = rng.randint(60, 88)
        elif population == "joint":
            age = rng.randint(25, 56)
        else:
            age = min(62, max(24, int(rng.gauss(41, 9))))
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        r = rng.random()
        if population == "student":
            education = Education.MASTER if r < 0.45 else Education.BACHELOR
        elif population == "retiree":
            education = (Education.DOCTORATE if r < 0.2 else Education.MASTER if r < 0.3 else
                         Education.BACHELOR if r < 0.7 else Education.COLLEGE if r < 0.85 else Education.HIGH_SCHOOL)
        elif population in ("joint", "admin"):
            education = (Education.DOCTORATE if r < 0.15 else Education.MASTER if r < 0.5 else
                         Education.BACHELOR if r < 0.9 else Education.COLLEGE)
        else:
            education = (Education.DOCTORATE if r < 0.52 else Education.MASTER if r < 0.77 else
                         Education.BACHELOR if r < 0.93 else Education.COLLEGE if r < 0.98 else
                         Education.SECONDARY_VOCATIONAL)
        degree = {Education.DOCTORATE: Degree.DOCTOR, Education.MASTER: Degree.MASTER}.get(education, "")
        if education == Education.BACHELOR and rng.random() < 0.95:
            degree = Degree.BACHELOR
        title, level = self._title(population, education, age)
        if population == "student":
            post = "博士研究生" if education == Education.MASTER or rng.random() < 0.3 else "硕士研究生"
        elif population == "retiree":
            post = "离退休人员"
        elif population == "admin":
            post = rng.choice(ADMIN_POSTS)
        elif population == "joint":
            post = rng.choice(("工程师", "技术主管", "项目经理", "市场经理", "财务主管"))
        else:
            post = "课题组长" if level == TitleLevel.SENIOR and rng.random() < 0.6 else rng.choice(STAFF_POSTS)
            if post == "博士后" and education != Education.DOCTORATE:
                post = "科研人员"
        abroad_share = {Education.DOCTORATE: 0.29, Education.MASTER: 0.1}.get(education, 0.02)
        ethnicity = "01" if rng.random() < HAN_SHARE else rng.choices(self.minorities, cum_weights=self.minority_weights)[0]
        return {
            "sex": sex, "birth_date": birth, "education": education, "degree": degree, "title": title,
            "title_level": level, "returned_from_abroad": population != "student" and rng.random() < abroad_share,
            "post": post, "ethnicity": ethnicity,
        }

    def _title(self, population: str, education: str, age: int) -> tuple[str, str]:
        rng = self.rng
        if population == "student":
            return "", TitleLevel.NONE
        r = rng.random()
        if population in ("joint", "admin"):
            if population == "admin" and r < 0.3:
                pairs = (("会计师", TitleLevel.INTERMEDIATE), ("高级会计师", TitleLevel.ASSOCIATE_SENIOR),
                         ("副研究员", TitleLevel.ASSOCIATE_SENIOR), ("助理研究员", TitleLevel.INTERMEDIATE))
                return rng.choice(pairs)
            if age < 30:
                return ("助理工程师", TitleLevel.JUNIOR) if r < 0.8 else ("", TitleLevel.NONE)
            if age < 42:
                return ("工程师", TitleLevel.INTERMEDIATE) if r < 0.7 else ("高级工程师", TitleLevel.ASSOCIATE_SENIOR)
            return ("高级工程师", TitleLevel.ASSOCIATE_SENIOR) if r < 0.75 else ("正高级工程师", TitleLevel.SENIOR)
        if education == Education.DOCTORATE:
            if age < 32:
                return ("助理研究员", TitleLevel.INTERMEDIATE) if r < 0.7 else ("", TitleLevel.NONE)
            if age < 40:
                return ("副研究员", TitleLevel.ASSOCIATE_SENIOR) if r < 0.65 else ("助理研究员", TitleLevel.INTERMEDIATE)
            return ("研究员", TitleLevel.SENIOR) if r < 0.55 else ("副研究员", TitleLevel.ASSOCIATE_SENIOR)
        if education in (Education.MASTER, Education.BACHELOR):
            if age < 30:
                return ("研究实习员", TitleLevel.JUNIOR) if r < 0.5 else ("助理工程师", TitleLevel.JUNIOR)
            if age < 45:
                return ("工程师", TitleLevel.INTERMEDIATE) if r < 0.5 else (
                    ("高级工程师", TitleLevel.ASSOCIATE_SENIOR) if r < 0.8 else ("实验师", TitleLevel.INTERMEDIATE))
            return ("高级工程师", TitleLevel.ASSOCIATE_SENIOR) if r < 0.6 else (
                ("正高级工程师", TitleLevel.SENIOR) if r < 0.8 else ("高级实验师", TitleLevel.ASSOCIATE_SENIOR))
        return ("技术员", TitleLevel.JUNIOR) if r < 0.6 else ("", TitleLevel.NONE)

    def _person(self, inst: _Institute, org: Organization, population: str, status: str, *,
                name: str | None = None, sex: str | None = None, user_id: int | None = None) -> Person:
        profile = self._profile(population, sex=sex)
        name = name or self._name(profile["sex"])
        pinyin, initials = _pinyin(name)
        discipline = "" if population in ("admin", "retiree", "joint") and self.rng.random() < 0.7 else \
            self.rng.choice(inst.disciplines)
        return Person(
            name=name, name_pinyin=pinyin, name_initials=initials,
            id_number=self._id_number(profile["birth_date"], profile["sex"]),
            discipline=discipline, phone=self._phone(),
            email=self._email(name, "mails.ucas.ac.cn" if population == "student" else inst.domain),
            political_status=status, organization_id=org.pk, user_id=user_id, **profile,
        )

    def _branch_members(self, inst: _Institute, b: _Node, writer: _PeopleWriter) -> int:
        rng, today = self.rng, self.today
        assert b.obj is not None
        probationary_slots = set(rng.sample(range(2, b.size), b.probationary)) if b.probationary else set()
        for slot in range(b.size):
            username = b.accounts.get(slot)
            account = DEMO_ACCOUNTS.get(username or "")
            name, sex = (account.full_name, account.sex) if account else (b.secretary if slot == 0 else (None, None))
            full = slot not in probationary_slots
            status = PoliticalStatus.CPC_MEMBER if full else PoliticalStatus.CPC_PROBATIONARY
            user = self.users.get(username or "")
            person = self._person(inst, b.obj, b.population, status, name=name, sex=sex,
                                  user_id=user.pk if user else None)
            eighteen = add_years(person.birth_date, 18)
            if full:
                # Most join at university or in their first working years.
                admitted = add_years(person.birth_date, rng.choice((19, 20, 21, 22, 23, 24, 25, 27, 30, 34)))
                admitted = min(max(admitted + datetime.timedelta(days=rng.randint(0, 364)), eighteen),
                               today - datetime.timedelta(days=600))
                extended = rng.random() < 0.01
                converted = admitted + datetime.timedelta(days=548) if extended else add_years(admitted, 1)
            else:
                admitted = max(eighteen, today - datetime.timedelta(days=rng.randint(20, 360)))
                converted = None
            group = b.groups[slot % len(b.groups)].obj if b.groups else None
            membership = PartyMembership(
                category=MemberCategory.FULL if full else MemberCategory.PROBATIONARY,
                admitted_on=admitted, converted_on=converted, party_group=group,
            )
            writer.add(person, membership, protected=bool(account) or slot == 0)
            if b.fields.get("has_committee") and full and len(b.seat_pool) < SEAT_POOL:
                b.seat_pool.append((person, membership, bool(account) and slot != 0))
        return b.size

    def create_committees(self) -> int:
        """Committee seats of the branches with a committee: the secretary (the member in slot 0, a demo
        account's person where there is one) and 2–4 more full members in good standing from the start of the
        term; branch A also has a member of the previous committee who left at the election."""
        rng, today = self.rng, self.today
        positions = [CommitteePosition.ORGANIZATION, CommitteePosition.PROPAGANDA, CommitteePosition.DISCIPLINE,
                     CommitteePosition.DEPUTY_SECRETARY]
        branch_a = next((b for b in self.institutes[0].branches if b.accounts.get(0) == "shuji_a"), None)
        seats: list[CommitteeSeat] = []
        for inst in self.institutes:
            for b in inst.branches:
                if not b.fields.get("has_committee") or not b.seat_pool:
                    continue
                assert b.obj is not None
                term_start = b.fields.get("term_started_on") or add_years(today, -1)

                def seat(person: Person, membership: PartyMembership, position: str, start: datetime.date,
                         ends: datetime.date | None = None, note: str = "", org: Organization = b.obj) -> None:
                    start = min(max(start, membership.converted_on or start), today)
                    if ends is None or ends >= start:
                        seats.append(CommitteeSeat(organization=org, person_id=person.pk, position=position,
                                                   starts_on=start, ends_on=ends, note=note))

                secretary = b.seat_pool[0]
                seat(secretary[0], secretary[1], CommitteePosition.SECRETARY, term_start)
                fit = [(p, m) for p, m, account in b.seat_pool[1:]
                       if not account and m.has_vote and not m.lost_contact and not m.mobile]
                picks = rng.sample(fit, min(len(fit), rng.randint(2, 4)))
                for (person, membership), position in zip(picks, positions, strict=False):
                    seat(person, membership, position, term_start)
                if b is branch_a:
                    former = [pair for pair in fit if pair not in picks]
                    if former:
                        person, membership = former[0]
                        seat(person, membership, CommitteePosition.ORGANIZATION, add_years(term_start, -3),
                             ends=term_start - datetime.timedelta(days=1), note="换届")
        CommitteeSeat.objects.bulk_create(seats, batch_size=BATCH)
        return len(seats)

    def _flag_members(self, memberships: list[tuple[PartyMembership, Person, bool]]) -> None:
        """A few lost-contact, mobile and suspended members in every institute."""
        rng, today = self.rng, self.today
        eligible = [(m, p) for m, p, protected in memberships
                    if not protected and m.category == MemberCategory.FULL and p.post != "离退休人员"]
        if not eligible:
            return
        n = len(eligible)
        picks = rng.sample(eligible, min(n, max(1, round(n * 0.004)) + max(2, round(n * 0.015)) + 1))
        lost_count = max(1, round(n * 0.004))
        for m, _person in picks[:lost_count]:
            m.lost_contact = True
            m.lost_contact_on = self._date_between(max(m.converted_on, today - datetime.timedelta(days=1000)),
                                                   today - datetime.timedelta(days=30))
            m.lost_contact_reason = rng.choice(LostContactReason.values)
            if (today - m.lost_contact_on).days > 183 and rng.random() < 0.5:
                m.status = MembershipStatus.SUSPENDED
        for m, _person in picks[lost_count:-1]:
            m.mobile = True
            m.mobile_since = self._date_between(max(m.converted_on, today - datetime.timedelta(days=700)), today)
            m.mobile_destination = rng.choice(DESTINATIONS)
        picks[-1][0].rights_suspended = True

    def _non_members(self, inst: _Institute, count: int, writer: _PeopleWriter) -> int:
        rng = self.rng
        staff = [b for b in inst.branches if b.population in ("staff", "admin")]
        students = [b for b in inst.branches if b.population == "student"]
        for _ in range(count):
            if students and rng.random() < 0.2:
                population, anchor = "student", rng.choice(students).obj
            else:
                population = "staff"
                anchor = rng.choice(staff).obj if staff and rng.random() < 0.55 else inst.node.obj
            assert anchor is not None
            person = self._person(inst, anchor, population, PoliticalStatus.MASSES)
            age = self.today.year - person.birth_date.year
            r = rng.random()
            if population == "student":
                person.political_status = PoliticalStatus.CYL_MEMBER if r < 0.8 else PoliticalStatus.MASSES
            elif r < 0.06:
                person.political_status = rng.choices(self.parties, cum_weights=self.party_weights)[0]
            elif r < 0.10:
                person.political_status = PoliticalStatus.NON_PARTISAN
            elif age <= 28 and r < 0.40:
                person.political_status = PoliticalStatus.CYL_MEMBER
            writer.add(person, None)
        return count


class _PeopleWriter:
    """Buffers people with their memberships and writes both with bulk_create."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.pending: list[tuple[Person, PartyMembership]] = []
        self.memberships: list[tuple[PartyMembership, Person, bool]] = []

    def add(self, person: Person, membership: PartyMembership | None, *, protected: bool = False) -> None:
        self.people.append(person)
        if membership is not None:
            self.pending.append((person, membership))
            self.memberships.append((membership, person, protected))

    def flush(self) -> None:
        if not self.people:
            return
        Person.objects.bulk_create(self.people, batch_size=BATCH)
        for person, membership in self.pending:
            membership.person_id = person.pk
        PartyMembership.objects.bulk_create([m for _, m in self.pending], batch_size=BATCH)
        self.people, self.pending, self.memberships = [], [], []
        connection.queries_log.clear()  # DEBUG keeps every statement; these are large


def _cumulative(weights) -> list[float]:
    total, result = 0.0, []
    for w in weights:
        total += w
        result.append(total)
    return result


def _apportion(total: int, weights: list[float], *, minimum: int = 0, maximum: int | None = None) -> list[int]:
    """Split `total` into integers proportional to `weights`, each within [minimum, maximum]."""
    if not weights:
        return []
    if total < minimum * len(weights) or (maximum is not None and total > maximum * len(weights)):
        raise ValueError("cannot apportion")
    scale = total / sum(weights)
    parts = [max(minimum, round(w * scale)) for w in weights]
    if maximum is not None:
        parts = [min(maximum, p) for p in parts]
    diff = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    while diff:
        moved = False
        for i in order:
            if diff > 0 and (maximum is None or parts[i] < maximum):
                parts[i] += 1
                diff -= 1
                moved = True
            elif diff < 0 and parts[i] > minimum:
                parts[i] -= 1
                diff += 1
                moved = True
            if not diff:
                break
        if not moved:
            raise ValueError("cannot apportion")
    return parts


# ---- entry points --------------------------------------------------------------------------------------


def reset_portal_data() -> None:
    """Empty every table of the portal (people, tree, roles, users, jobs, audit log, sessions).

    Content types, permissions, the rule sets and the migration history stay, so the schema needs nothing
    afterwards."""
    # Rule sets are configuration (loaded by data migrations, edited in the admin), not demo data.
    keep = {"django_migrations", "django_content_type", "auth_permission", "branches_ruleset"}
    tables = [t for t in connection.introspection.django_table_names(only_existing=True, include_views=False)
              if t not in keep]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # TRUNCATE refuses tables with deferred foreign-key checks still pending in this transaction.
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements, "SET CONSTRAINTS ALL DEFERRED"]
    connection.ops.execute_sql_flush(statements)


def build_demo(scale: str, *, seed: int = DEFAULT_SEED, log: Callable[[str], None] | None = None) -> DemoSummary:
    """Build the demo system at `scale` ("small" or "cas") into an empty portal, in one transaction."""
    say = log or (lambda message: None)
    started = time.monotonic()
    builder = DemoBuilder(SCALES[scale], seed=seed, log=say)
    with transaction.atomic():
        builder.plan_tree()
        organizations = builder.create_organizations()
        say(f"党组织 {organizations} 个（{time.monotonic() - started:.1f} 秒）")
        builder.create_accounts()
        members, non_members = builder.create_people()
        builder.create_committees()
        say(f"人员 {members + non_members} 人（{time.monotonic() - started:.1f} 秒）")
        from recruitment.demo import build_pipelines

        from .meetings.demo import build_meetings

        build_pipelines(seed=seed, log=say)
        from liaison.demo import build_liaison

        build_liaison(seed=seed, log=say)
        from recruitment.plan_demo import build_plans

        build_plans(seed=seed, log=say)
        demo_branches = Role.objects.filter(user__username__in=list(DEMO_ACCOUNTS),
                                            organization__org_type__in=OrgType.branch_types())
        build_meetings(seed=seed, log=say, attendance_for=None if scale == "small" else
                       demo_branches.values_list("organization_id", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, so the planner sees the real sizes
            for model in (Organization, Person, PartyMembership, Role):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            from liaison.models import FollowUp, LiaisonPair, Review, TalentProfile, Talk

            for model in (CommitteeSeat, TalentProfile, LiaisonPair, Talk, FollowUp, Review):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return DemoSummary(
        organizations=organizations,
        branches=sum(len(inst.branches) for inst in builder.institutes),
        people=members + non_members, members=members, non_members=non_members,
        seconds=time.monotonic() - started,
    )
