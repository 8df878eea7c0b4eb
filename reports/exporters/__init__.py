"""The exporter registry: identifier → exporter class. Add an exporter here to make it available everywhere
(the export page, the API and the jobs run by the worker)."""

from __future__ import annotations

from typing import Any

from branches import permissions

from .base import BaseExporter, Column, ExportError, ListExporter
from .compliance import ComplianceExporter, SelfCheckExporter
from .liaison import LiaisonListExporter
from .notices import NoticeMatrixExporter
from .people import PeopleExporter
from .recruitment_plan import RecruitmentPlanExporter
from .recruitment_record import PipelineRecordExporter
from .recruitment_rosters import RecruitmentRosterExporter
from .roster import OrgRosterExporter

EXPORTERS: dict[str, type[BaseExporter]] = {
    PeopleExporter.identifier: PeopleExporter,
    OrgRosterExporter.identifier: OrgRosterExporter,
    SelfCheckExporter.identifier: SelfCheckExporter,
    ComplianceExporter.identifier: ComplianceExporter,
    NoticeMatrixExporter.identifier: NoticeMatrixExporter,
    PipelineRecordExporter.identifier: PipelineRecordExporter,
    RecruitmentRosterExporter.identifier: RecruitmentRosterExporter,
    LiaisonListExporter.identifier: LiaisonListExporter,
    RecruitmentPlanExporter.identifier: RecruitmentPlanExporter,
}


def get_exporter(identifier: str) -> BaseExporter | None:
    """A fresh exporter instance (exporters keep per-run state), or None for an unknown identifier."""
    cls = EXPORTERS.get(identifier)
    return cls() if cls is not None else None


def exporters_for(user: Any) -> list[BaseExporter]:
    """The exporters the user may use: those whose capability the user holds somewhere."""
    return [cls() for cls in EXPORTERS.values() if permissions.has_capability_anywhere(user, cls.capability)]


__all__ = ["EXPORTERS", "BaseExporter", "Column", "ExportError", "ListExporter", "exporters_for", "get_exporter"]
