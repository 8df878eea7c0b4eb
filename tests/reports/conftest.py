"""Fixtures for the exports: the shared world plus 钱堃 (a rare name character), a probationary member
in a party group, and a non-member, all in branch A."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import User

from members.codes import MemberCategory, PoliticalStatus, TitleLevel
from members.models import PartyMembership
from reports.models import Job, JobStatus
from reports.services import job_run, job_start
from tests.factories import PersonFactory, make_member


@pytest.fixture
def rworld(world):
    qian = make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY, sex="2",
                       birth_date=datetime.date(1996, 3, 8), title="助理研究员", title_level=TitleLevel.JUNIOR,
                       phone="13800001111")
    PartyMembership.objects.filter(person=qian).update(
        party_group=world.group_a, admitted_on=datetime.date(2025, 6, 1), mobile=True,
        mobile_since=datetime.date(2025, 9, 1),
    )
    masses = PersonFactory(organization=world.branch_a, name="孙丽", political_status=PoliticalStatus.MASSES)
    world.qian = qian
    world.masses = masses
    return world


def user(name: str) -> User:
    return User.objects.get(username=name)


def start_and_run(username: str, kind: str, params: dict | None = None, fmt: str = "xlsx") -> Job:
    """Start a job as the persona and run it in-process (what the worker does)."""
    job = job_start(actor=user(username), kind=kind, params=params or {}, fmt=fmt)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def result_bytes(job: Job) -> bytes:
    with job.result.open("rb") as handle:
        return handle.read()


def read_xlsx(job: Job):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(result_bytes(job)))
