"""公民身份号码 (GB 11643-1999): validation, the facts it encodes, and masking."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


@dataclass(frozen=True)
class IdFacts:
    birth_date: datetime.date
    sex: str  # "1" male, "2" female (GB/T 2261.1)


class IdNumberError(ValueError):
    pass


def parse(value: str) -> IdFacts:
    """The birth date and sex an 18-character ID number encodes; IdNumberError with a Chinese message."""
    number = normalize(value)
    if len(number) != 18:
        raise IdNumberError(_("公民身份号码应为18位，当前为%(n)d位。") % {"n": len(number)})
    if not _PATTERN.match(number):
        raise IdNumberError(_("公民身份号码前17位应为数字，最后一位为数字或X。"))
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError(_("公民身份号码校验位不正确，请核对是否录入有误。"))
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(_("公民身份号码中的出生日期（第7–14位）不是有效日期。"))
    if birth.year < 1900:
        raise IdNumberError(_("公民身份号码中的出生日期早于1900年。"))
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IdFacts(birth_date=birth, sex=sex)


def mask(value: str) -> str:
    """3101**********123X: the region's first four and the last four characters."""
    number = normalize(value)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def make(region: str, birth: datetime.date, sequence: int, sex: str) -> str:
    """Build a valid number (demo data and tests). `sequence` 0–99, the sex digit follows `sex`."""
    seq_digit = (sequence % 5) * 2 + (1 if sex == "1" else 0)
    first17 = f"{region}{birth:%Y%m%d}{sequence // 5 % 100:02d}{seq_digit}"
    return first17 + check_digit(first17)
