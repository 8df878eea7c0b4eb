import datetime

from reports.periodic import periods
from tests.factories import make_org

D = datetime.date


def test_last_finished_period_of_each_rule():
    today = D(2026, 11, 21)
    month = periods.last_finished(periods.MONTH, today)
    assert (month.start, month.end, month.label) == (D(2026, 10, 1), D(2026, 10, 31), "2026年10月")
    quarter = periods.last_finished(periods.QUARTER, today)
    assert (quarter.start, quarter.end, quarter.label) == (D(2026, 7, 1), D(2026, 9, 30), "2026年第三季度")
    semester = periods.last_finished(periods.SEMESTER, today)
    assert (semester.start, semester.end, semester.label) == (D(2026, 1, 1), D(2026, 6, 30), "2026年上半年")
    year = periods.last_finished(periods.YEAR, today)
    assert (year.start, year.end, year.label) == (D(2025, 1, 1), D(2025, 12, 31), "2025年")


def test_january_reports_december_and_the_previous_year():
    assert periods.last_finished(periods.MONTH, D(2027, 1, 1)).label == "2026年12月"
    assert periods.last_finished(periods.QUARTER, D(2027, 1, 1)).label == "2026年第四季度"
    assert periods.last_finished(periods.SEMESTER, D(2027, 1, 1)).label == "2026年下半年"


def test_semesters_are_configurable(settings):
    settings.PORTAL_PERIODIC_REPORTS = {"semesters": [(3, 8), (9, 2)], "committee_depth": 1}
    autumn = periods.period_containing(periods.SEMESTER, D(2027, 1, 15))
    assert (autumn.start, autumn.end) == (D(2026, 9, 1), D(2027, 2, 28))
    assert autumn.label == "2026年第2学期"
    assert periods.last_finished(periods.SEMESTER, D(2026, 9, 10)).start == D(2026, 3, 1)


def test_period_starting_only_accepts_period_starts():
    assert periods.period_starting(periods.QUARTER, D(2026, 7, 1)).end == D(2026, 9, 30)
    assert periods.period_starting(periods.QUARTER, D(2026, 8, 1)) is None


def test_report_organizations_are_the_academy_and_its_institutes(world):
    make_org(world.institute, org_type="committee", name="甲所下属党委", short_name="下属党委")
    orgs = list(periods.report_organizations())
    assert orgs == [world.root, world.institute, world.other_institute]
