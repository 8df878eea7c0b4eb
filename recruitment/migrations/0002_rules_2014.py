"""The recruitment rule set of 《中国共产党发展党员工作细则》 (2014), as data: 5 stages, 25 steps."""

import datetime

from django.db import migrations

NAME = "中国共产党发展党员工作细则（2014）"

NUMBERS = {
    "min_age": 18,
    "talk_within_months": 1,
    "activist_min_application_months": 0,
    "contacts_min": 1,
    "contacts_max": 2,
    "assessment_interval_months": 6,
    "candidate_after_activist_months": 12,
    "publicity_working_days": 0,
    "sponsors_required": 2,
    "political_review_valid_months": 0,
    "training_min_days": 3,
    "training_min_hours": 24,
    "vote_within_months_after_prereview": 0,
    "approval_months": 3,
    "approval_max_months": 6,
    "oath_within_months": 0,
    "probation_months": 12,
    "extension_min_months": 6,
    "extension_max_months": 12,
    "extensions_max": 1,
    "conversion_approval_months": 3,
    "probation_notice_days": 30,
    "archive_within_days": 0,
}


def step(code, number, stage, name, actor_label, record, *, actor="branch", requires=(), repeatable=False,
         meeting_type="", vote=False, outcomes=("passed",), limits=()):
    return {
        "code": code, "number": number, "stage": stage, "name": name, "actor": actor,
        "actor_label": actor_label, "record": record, "requires": list(requires), "repeatable": repeatable,
        "meeting_type": meeting_type, "vote": vote, "outcomes": list(outcomes), "limits": [dict(zip(("after", "param", "unit", "kind"), x,
                                                                          strict=True)) for x in limits],
    }


STEPS = [
    step("application", 1, "applicant", "递交入党申请书", "申请人", "入党申请书", actor="applicant"),
    step("talk", 2, "applicant", "党组织派人谈话", "书记、副书记或组织委员", "谈话记录",
         requires=["application"], limits=[("application", "talk_within_months", "months", "within")]),
    step("thought_report", None, "applicant", "思想汇报", "申请人", "思想汇报", actor="applicant",
         requires=["application"], repeatable=True),
    step("activist", 3, "activist", "推荐和确定入党积极分子", "支部委员会", "推荐情况、支委会会议记录",
         requires=["talk"], meeting_type="committee",
         limits=[("application", "activist_min_application_months", "months", "at_least")]),
    step("activist_filing", 4, "activist", "报上级党委备案", "党支部", "备案表、积极分子名册",
         requires=["activist"]),
    step("contacts", 5, "activist", "指定培养联系人", "支部委员会", "培养联系人登记", requires=["activist"]),
    step("assessment", 6, "activist", "培养教育考察", "培养联系人、支部委员会", "培养考察登记表",
         requires=["contacts"], repeatable=True),
    step("candidate", 7, "candidate", "确定发展对象", "支部委员会", "征求意见情况、支委会会议记录",
         requires=["activist_filing", "contacts", "assessment"], meeting_type="committee",
         limits=[("activist", "candidate_after_activist_months", "months", "at_least")]),
    step("candidate_filing", 8, "candidate", "报上级党委备案", "党支部", "备案表", requires=["candidate"]),
    step("sponsors", 9, "candidate", "确定入党介绍人", "支部委员会", "入党介绍人登记", requires=["candidate"]),
    step("political_review", 10, "candidate", "进行政治审查", "党支部", "政审材料、政审结论",
         requires=["candidate"], outcomes=["passed", "failed"]),
    step("training", 11, "candidate", "开展集中培训", "基层党委或县级党委组织部门", "培训结业证明",
         requires=["candidate"]),
    step("branch_review", 12, "candidate", "支部委员会审查", "支部委员会", "审查意见",
         requires=["candidate_filing", "sponsors", "political_review", "training"], meeting_type="committee"),
    step("pre_review", 13, "candidate", "上级党委预审", "基层党委", "预审请示、预审意见", actor="committee",
         requires=["branch_review"], outcomes=["passed", "returned"]),
    step("application_form", 14, "candidate", "填写入党志愿书", "发展对象、入党介绍人", "入党志愿书",
         requires=["pre_review"]),
    step("admission_vote", 15, "candidate", "支部党员大会讨论", "支部党员大会", "会议记录、表决票、决议",
         requires=["application_form"], meeting_type="general_assembly", vote=True,
         limits=[("pre_review", "vote_within_months_after_prereview", "months", "within")]),
    step("committee_talk", 16, "candidate", "上级党委派人谈话", "党委委员或组织员", "谈话意见", actor="committee",
         requires=["admission_vote"]),
    step("approval", 17, "candidate", "上级党委审批", "基层党委", "审批请示、批复", actor="committee",
         requires=["committee_talk"], outcomes=["passed", "failed"],
         limits=[("admission_vote", "approval_months", "months", "within"),
                 ("admission_vote", "approval_max_months", "months", "within")]),
    step("approval_filing", 18, "probationary", "再上一级党委组织部门备案", "基层党委", "备案报告",
         actor="committee", requires=["approval"]),
    step("assign_group", 19, "probationary", "编入党支部和党小组", "支部委员会", "编组情况", requires=["approval"]),
    step("oath", 20, "probationary", "入党宣誓", "基层党委或党支部", "宣誓记录", requires=["approval"],
         limits=[("approval", "oath_within_months", "months", "within")]),
    step("probation_assessment", 21, "probationary", "继续教育考察", "支部委员会、入党介绍人", "考察记录",
         requires=["approval"], repeatable=True),
    step("conversion_request", 22, "probationary", "提出转正申请", "预备党员", "转正申请书",
         actor="applicant", requires=["approval"]),
    step("conversion_vote", 23, "probationary", "支部党员大会讨论转正", "支部党员大会",
         "会议记录、表决票、决议", requires=["conversion_request"], meeting_type="general_assembly", vote=True,
         outcomes=["passed", "extended", "cancelled"]),
    step("conversion_approval", 24, "probationary", "上级党委审批转正", "基层党委", "批复",
         actor="committee", requires=["conversion_vote"], outcomes=["passed", "extended", "cancelled"],
         limits=[("conversion_vote", "conversion_approval_months", "months", "within")]),
    step("archive", 25, "full", "材料归档", "党支部、基层党委或组织部门", "归档清单",
         requires=["conversion_approval"],
         limits=[("conversion_approval", "archive_within_days", "days", "within")]),
]

SOURCE = (
    "《中国共产党发展党员工作细则》（2014年6月）：年满十八岁（第五条）；收到入党申请书后一个月内派人谈话（第七条）；"
    "培养联系人一至二名正式党员（第九条）；每半年考察一次（第十一条）；培养教育考察一年以上方可列为发展对象（第十三条）；"
    "入党介绍人两名正式党员（第十四条）；政治审查（第十六条）；集中培训不少于三天或二十四学时（第十七条）；"
    "上级党委预审（第十九条）；审批三个月内、特殊情况可延长但不超过六个月（二手资料转引）；预备期一年，"
    "延长预备期只能一次，时间不少于半年、最长不超过一年；转正审批三个月内。\n"
    "开关：积极分子须申请满若干月、确定发展对象前公示工作日数、政审有效期、预审后召开支部大会的期限、入党宣誓期限、"
    "归档期限为地方做法，本规则集默认关闭（0），可在管理后台修改或新增规则集。"
)


def create(apps, schema_editor):
    RuleSet = apps.get_model("branches", "RuleSet")
    if RuleSet.objects.filter(domain="recruitment", name=NAME).exists():
        return
    RuleSet.objects.create(
        domain="recruitment", name=NAME, effective_from=datetime.date(2014, 6, 11), effective_to=None,
        org_types=[], parameters={"numbers": NUMBERS, "steps": STEPS}, source=SOURCE,
    )


def remove(apps, schema_editor):
    apps.get_model("branches", "RuleSet").objects.filter(domain="recruitment", name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("recruitment", "0001_initial"),
        ("branches", "0007_committee_seats_compliance_summary"),
    ]

    operations = [migrations.RunPython(create, remove)]
