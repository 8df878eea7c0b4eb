"""Pure checks of meeting records: the vote and quorum rule (domain.md §1.3), upload sniffing.

Everything here works on plain numbers and bytes so it can be tested table-driven and reused by the
form, the API and the services alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext


def quorum_reached(*, expected: int, present: int) -> bool:
    """The meeting is valid iff more than half of the voting members who should attend are present."""
    return present * 2 > expected


def motion_passes(*, expected: int, yes: int, written_yes: int = 0) -> bool:
    """A motion passes iff yes in the room plus written yes submitted before is more than half of E.

    The denominator is E (who should attend), not those present."""
    return (yes + written_yes) * 2 > expected


@dataclass(frozen=True)
class VoteCounts:
    expected: int
    present: int
    yes: int
    no: int
    abstain: int
    written_yes: int
    passed: bool


def vote_count_problems(counts: VoteCounts) -> list[str]:
    """Why the counts of one vote cannot stand, in Chinese; empty when they add up and agree with `passed`."""
    c = counts
    problems: list[str] = []
    for name, value in (("应到人数", c.expected), ("实到人数", c.present), ("赞成票", c.yes), ("反对票", c.no),
                        ("弃权票", c.abstain), ("书面赞成", c.written_yes)):
        if value < 0:
            problems.append(gettext("%(name)s不能为负数。") % {"name": gettext(name)})
    if problems:
        return problems
    if c.expected == 0:
        return [gettext("应到会有表决权的正式党员人数须大于 0。")]
    if c.present > c.expected:
        problems.append(
            gettext("实到 %(present)d 人，超过应到 %(expected)d 人。") % {"present": c.present, "expected": c.expected}
        )
    cast = c.yes + c.no + c.abstain
    if cast > c.present:
        problems.append(
            gettext("赞成 %(yes)d、反对 %(no)d、弃权 %(abstain)d，合计 %(cast)d 票，超过实到 %(present)d 人。")
            % {"yes": c.yes, "no": c.no, "abstain": c.abstain, "cast": cast, "present": c.present}
        )
    absent = max(c.expected - c.present, 0)
    if c.written_yes > absent:
        problems.append(
            gettext("会前书面表示赞成 %(written)d 人，超过未到会的有表决权党员 %(absent)d 人。")
            % {"written": c.written_yes, "absent": absent}
        )
    if problems:
        return problems
    valid = quorum_reached(expected=c.expected, present=c.present)
    passes = valid and motion_passes(expected=c.expected, yes=c.yes, written_yes=c.written_yes)
    if c.passed and not valid:
        problems.append(
            gettext("应到 %(expected)d 人，实到 %(present)d 人，未过半数，会议无效，不能形成决议。")
            % {"expected": c.expected, "present": c.present}
        )
    elif c.passed and not passes:
        problems.append(
            gettext("应到 %(expected)d 人，赞成 %(total)d 人（其中会前书面赞成 %(written)d 人），"
                    "未超过应到人数的半数，不能记为通过。")
            % {"expected": c.expected, "total": c.yes + c.written_yes, "written": c.written_yes}
        )
    elif not c.passed and passes:
        problems.append(
            gettext("应到 %(expected)d 人，赞成 %(total)d 人（其中会前书面赞成 %(written)d 人），"
                    "已超过应到人数的半数，应记为通过。")
            % {"expected": c.expected, "total": c.yes + c.written_yes, "written": c.written_yes}
        )
    return problems
