import datetime

import pytest
from django.core.exceptions import ValidationError

from members import idcard
from members.codes import Sex
from tests.factories import PersonFactory

# 11010519491231002X: the worked example of GB 11643 (a woman born 1949-12-31).
STANDARD_EXAMPLE = "11010519491231002X"


class TestParse:
    def test_standard_example_is_valid(self):
        facts = idcard.parse(STANDARD_EXAMPLE)
        assert facts.birth_date == datetime.date(1949, 12, 31)
        assert facts.sex == Sex.FEMALE

    def test_lowercase_x_and_spaces_are_normalized(self):
        assert idcard.normalize(" 110105 19491231002x ") == STANDARD_EXAMPLE
        assert idcard.parse("11010519491231002x").sex == Sex.FEMALE

    @pytest.mark.parametrize("sex", [Sex.MALE, Sex.FEMALE])
    def test_made_numbers_round_trip(self, sex):
        birth = datetime.date(1990, 2, 28)
        number = idcard.make("310101", birth, 7, sex)
        facts = idcard.parse(number)
        assert (facts.birth_date, facts.sex) == (birth, sex)

    def test_bad_check_digit(self):
        with pytest.raises(idcard.IdNumberError, match="校验位不正确"):
            idcard.parse("110105194912310021")

    def test_wrong_length(self):
        with pytest.raises(idcard.IdNumberError, match="应为18位，当前为17位"):
            idcard.parse("11010519491231002")

    def test_letters_in_the_body(self):
        with pytest.raises(idcard.IdNumberError, match="前17位应为数字"):
            idcard.parse("1101051949123A002X")

    def test_impossible_birth_date(self):
        first17 = "11010519490230002"  # 30 February
        with pytest.raises(idcard.IdNumberError, match="不是有效日期"):
            idcard.parse(first17 + idcard.check_digit(first17))

    def test_birth_before_1900(self):
        first17 = "11010518991231002"
        with pytest.raises(idcard.IdNumberError, match="早于1900年"):
            idcard.parse(first17 + idcard.check_digit(first17))

    def test_mask_keeps_first_and_last_four(self):
        assert idcard.mask("31010119900101123X") == "3101**********123X"


@pytest.mark.django_db
class TestModelClean:
    def _person(self, world, **fields):
        fields.setdefault("birth_date", datetime.date(1949, 12, 31))
        fields.setdefault("sex", Sex.FEMALE)
        return PersonFactory.build(organization=world.branch_a, **fields)

    def test_matching_number_passes_and_is_uppercased(self, world):
        person = self._person(world, id_number="11010519491231002x")
        person.full_clean(validate_unique=False)
        assert person.id_number == STANDARD_EXAMPLE

    def test_birth_date_must_agree(self, world):
        person = self._person(world, id_number=STANDARD_EXAMPLE, birth_date=datetime.date(1950, 1, 1))
        with pytest.raises(ValidationError) as exc:
            person.full_clean(validate_unique=False)
        assert "出生日期为1949-12-31，与填写的出生日期1950-01-01不一致" in exc.value.message_dict["id_number"][0]

    def test_sex_must_agree(self, world):
        person = self._person(world, id_number=STANDARD_EXAMPLE, sex=Sex.MALE)
        with pytest.raises(ValidationError) as exc:
            person.full_clean(validate_unique=False)
        assert "性别为“女”，与填写的性别“男”不一致" in exc.value.message_dict["id_number"][0]

    def test_bad_check_digit_is_a_field_error(self, world):
        person = self._person(world, id_number="110105194912310021")
        with pytest.raises(ValidationError) as exc:
            person.full_clean(validate_unique=False)
        assert exc.value.message_dict["id_number"] == ["公民身份号码校验位不正确，请核对是否录入有误。"]
