"""The meetings rule set of 《中国共产党支部工作条例（试行）》 (2018), as data."""

import datetime

from django.db import migrations

NAME = "支部工作条例（试行）（2018）"

PARAMETERS = {
    "requirements": [
        {"meeting_type": "committee", "period": "month", "count": 1, "requires_committee": True},
        {"meeting_type": "group", "period": "month", "count": 1, "requires_party_groups": True},
        {"meeting_type": "theme_day", "period": "month", "count": 1},
        {"meeting_type": "general_assembly", "period": "quarter", "count": 1},
        {"meeting_type": "lecture", "period": "quarter", "count": 1},
        {"meeting_type": "life_meeting", "period": "year", "count": 1},
        {"meeting_type": "appraisal", "period": "year", "count": 1},
    ],
    "appraisal_excellent_max_ratio": "1/3",
}

SOURCE = (
    "《中国共产党支部工作条例（试行）》（2018年10月28日起施行）：\n"
    "第十一条 支部党员大会一般每季度召开1次；\n"
    "第十二条 支部委员会会议一般每月召开1次（未设支部委员会的党支部不适用）；\n"
    "第十三条 党小组会一般每月召开1次（未设党小组的党支部不适用）；\n"
    "第十六条 每月相对固定1天开展主题党日；\n"
    "第十七条 每年至少召开1次组织生活会，一般安排在第四季度；\n"
    "民主评议党员一般每年开展1次，评为优秀的党员一般不超过党员总数的三分之一。\n"
    "党课：条例规定“按期上好党课”，未规定次数；“每季度1次”为本地通行做法（地方实践，非条例原文）。"
)


def create(apps, schema_editor):
    RuleSet = apps.get_model("branches", "RuleSet")
    if RuleSet.objects.filter(domain="meetings", name=NAME).exists():
        return
    RuleSet.objects.create(
        domain="meetings",
        name=NAME,
        effective_from=datetime.date(2018, 10, 28),
        effective_to=None,
        org_types=["branch", "joint_branch", "temporary_branch"],
        parameters=PARAMETERS,
        source=SOURCE,
    )


def remove(apps, schema_editor):
    apps.get_model("branches", "RuleSet").objects.filter(domain="meetings", name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("branches", "0003_meetings_and_rule_sets"),
    ]

    operations = [
        migrations.RunPython(create, remove),
    ]
