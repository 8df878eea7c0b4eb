"""The first liaison rule set, as data (editable in the admin as a new version)."""

import datetime

from django.db import migrations

NAME = "党内联系人和高知群体联系工作规则"

PARAMETERS = {
    "numbers": {"pairs_min": 1, "pairs_max": 2, "talk_interval_months": 3, "review_interval_months": 12,
                "talk_notice_days": 14},
    "high_knowledge_educations": ["11", "14"],
    "high_knowledge_title_levels": ["senior", "associate_senior"],
    "liaison_roles": ["committee", "general_branch", "organizer", "branch_secretary"],
}

SOURCE = (
    "高知群体：研究生及以上学历或副高级及以上职称（种子文件001《关于进一步做好在高知识群体和优秀青年教师中发展党员工作的实施意见》）。"
    "党内联系人制度：每个总支班子成员、专职组织员、教师党支部书记至少联系1-2名党外高知识分子，确保全覆盖无缝隙（同上，第二部分第四条）。"
    "谈心谈话每季度至少一次、联系清单每年梳理一次为本平台的默认做法，上级无统一规定，可在管理后台修改。"
)


def create(apps, schema_editor):
    RuleSet = apps.get_model("branches", "RuleSet")
    if RuleSet.objects.filter(domain="liaison", name=NAME).exists():
        return
    RuleSet.objects.create(domain="liaison", name=NAME, effective_from=datetime.date(2020, 1, 1), effective_to=None,
                           org_types=[], parameters=PARAMETERS, source=SOURCE)


def remove(apps, schema_editor):
    apps.get_model("branches", "RuleSet").objects.filter(domain="liaison", name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("liaison", "0001_initial"),
        ("branches", "0008_alter_ruleset_domain"),
    ]

    operations = [migrations.RunPython(create, remove)]
