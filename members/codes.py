"""National standard code lists used on people's records (GB/T 2261.1, 3304, 4658, 6864, 4762)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "1", _("男")
    FEMALE = "2", _("女")


# GB/T 3304: the 56 ethnic groups, codes 01–56, plus 97 (其他未识别民族) and 98 (外国血统中国籍人士).
_ETHNIC_NAMES = (
    _("汉族"), _("蒙古族"), _("回族"), _("藏族"), _("维吾尔族"), _("苗族"), _("彝族"), _("壮族"), _("布依族"), _("朝鲜族"),
    _("满族"), _("侗族"), _("瑶族"), _("白族"), _("土家族"), _("哈尼族"), _("哈萨克族"), _("傣族"), _("黎族"), _("傈僳族"),
    _("佤族"), _("畲族"), _("高山族"), _("拉祜族"), _("水族"), _("东乡族"), _("纳西族"), _("景颇族"), _("柯尔克孜族"), _("土族"),
    _("达斡尔族"), _("仫佬族"), _("羌族"), _("布朗族"), _("撒拉族"), _("毛南族"), _("仡佬族"), _("锡伯族"), _("阿昌族"), _("普米族"),
    _("塔吉克族"), _("怒族"), _("乌孜别克族"), _("俄罗斯族"), _("鄂温克族"), _("德昂族"), _("保安族"), _("裕固族"), _("京族"), _("塔塔尔族"),
    _("独龙族"), _("鄂伦春族"), _("赫哲族"), _("门巴族"), _("珞巴族"), _("基诺族"),
)
ETHNICITY_CHOICES = [(f"{i:02d}", name) for i, name in enumerate(_ETHNIC_NAMES, start=1)] + [
    ("97", _("其他未识别民族")),
    ("98", _("外国血统中国籍人士")),
]


class Education(models.TextChoices):
    """GB/T 4658-2006 学历 (the codes used on member records)."""

    DOCTORATE = "11", _("博士研究生")
    MASTER = "14", _("硕士研究生")
    BACHELOR = "21", _("大学本科")
    COLLEGE = "31", _("大学专科")
    SECONDARY_VOCATIONAL = "41", _("中等专科")
    HIGH_SCHOOL = "61", _("普通高中")
    JUNIOR = "71", _("初中")
    PRIMARY = "81", _("小学")
    OTHER = "90", _("其他")

    @classmethod
    def postgraduate(cls) -> list[str]:
        return [cls.DOCTORATE, cls.MASTER]


class Degree(models.TextChoices):
    """GB/T 6864 学位 (first digit of the code)."""

    NONE = "", _("无")
    DOCTOR = "2", _("博士")
    MASTER = "3", _("硕士")
    BACHELOR = "4", _("学士")


class TitleLevel(models.TextChoices):
    NONE = "", _("无")
    SENIOR = "senior", _("正高级")
    ASSOCIATE_SENIOR = "associate_senior", _("副高级")
    INTERMEDIATE = "intermediate", _("中级")
    JUNIOR = "junior", _("初级")


class PoliticalStatus(models.TextChoices):
    """GB/T 4762-1984 政治面貌."""

    CPC_MEMBER = "01", _("中共党员")
    CPC_PROBATIONARY = "02", _("中共预备党员")
    CYL_MEMBER = "03", _("共青团员")
    RCCK = "04", _("民革党员")
    CDL = "05", _("民盟盟员")
    CNDCA = "06", _("民建会员")
    CAPD = "07", _("民进会员")
    CPWDP = "08", _("农工党党员")
    CZGP = "09", _("致公党党员")
    JIUSAN = "10", _("九三学社社员")
    TDSGL = "11", _("台盟盟员")
    NON_PARTISAN = "12", _("无党派人士")
    MASSES = "13", _("群众")

    @classmethod
    def party(cls) -> list[str]:
        return [cls.CPC_MEMBER, cls.CPC_PROBATIONARY]

    @classmethod
    def democratic_parties(cls) -> list[str]:
        return [c.value for c in cls if "04" <= c.value <= "11"]


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class MembershipStatus(models.TextChoices):
    NORMAL = "normal", _("正常")
    SUSPENDED = "suspended", _("停止党籍")


class LostContactReason(models.TextChoices):
    WORKING_AWAY = "1", _("外出务工经商")
    UNIT_RESTRUCTURED = "2", _("单位改制、破产")
    GRADUATED_UNKNOWN = "3", _("毕业去向不明")
    UNIT_CHANGED = "4", _("工作单位改变")
    ABROAD = "5", _("出国（境）")
    RESIDENCE_CHANGED = "6", _("居住地改变")
    OTHER = "7", _("其他")
