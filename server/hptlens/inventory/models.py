"""Pydantic models at the inventory's boundaries: what a source is, what a scan did, what a report says."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hptlens.report import FileReport, JsonScalar

SourceKind = Literal["folder", "git"]
ProjectStatus = Literal["pending", "scanned", "error"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Project(Model):
    """A row of the projects table."""

    id: int
    source: str
    kind: SourceKind
    name: str
    root: str
    commit_sha: str | None = None
    status: ProjectStatus = "pending"
    error: str | None = None
    fingerprint: str | None = None
    analysis_key: str | None = None
    scanned_at: str | None = None
    files: int = 0
    files_with_tuning: int = 0
    findings: int = 0
    sites: int = 0


class CachedFile(Model):
    """What the store keeps of a file for the next scan: its digest and its report before linking."""

    digest: str
    report: bytes


class ProjectTask(Model):
    """One project's analysis, as handed to a worker (a local process or a Ray task)."""

    project_id: int
    root: str
    settings_json: str
    cache: dict[str, CachedFile] = Field(default_factory=dict)
    """Path relative to the root -> the cached report of that file (its path relative too)."""


class ProjectResult(Model):
    """A worker's answer: every file's report (paths relative to the root) and what to cache."""

    project_id: int
    files: list[FileReport]
    prelink: dict[str, CachedFile] = Field(default_factory=dict)
    """Relative path -> digest and pre-link report, for each file that had a digest."""
    analysed: int = 0
    """Files the analysis ran on (the rest came from the content-hash cache)."""
    error: str | None = None


class ScanOutcome(Model):
    """What `inventory scan` did."""

    projects: int = 0
    scanned: int = 0
    unchanged: int = 0
    failed: int = 0
    files: int = 0
    files_analysed: int = 0
    """Files the analysis ran on (not served by the content-hash cache)."""
    seconds: float = 0.0


class Spread(Model):
    """How one hyperparameter is searched across the inventory."""

    name: str
    projects: int
    sites: int
    types: dict[str, int]
    low_min: float | None = None
    low_max: float | None = None
    high_min: float | None = None
    high_max: float | None = None
    log_sites: int = 0
    choices: list[tuple[JsonScalar, int]] = Field(default_factory=list)
    """The most common categorical choices and grid values, with the number of sites using each."""
    libraries: list[str] = Field(default_factory=list)
    bounds: list[tuple[str, float, float]] = Field(default_factory=list)
    """(project, low, high) of the sites that bound it (at most report.TOP_BOUNDS)."""


class ProjectRow(Model):
    """A project as the report shows it."""

    name: str
    source: str
    status: ProjectStatus
    error: str | None = None
    commit_sha: str | None = None
    files: int
    files_with_tuning: int
    sites: int
    criteria: list[str]
    methods: list[str]
    libraries: list[str]
    pbt: bool
    hand_loops: bool


class InventoryReport(Model):
    """`hptlens inventory report`: which projects tune and how, and over which spaces."""

    tool_version: str
    projects: list[ProjectRow]
    by_criterion: dict[str, int] = Field(description="projects per criterion")
    by_method: dict[str, int] = Field(description="projects per HPO method")
    by_library: dict[str, int] = Field(description="projects per library")
    hyperparameters: list[Spread] = Field(description="the most tuned hyperparameters, most projects first")
    pbt_projects: list[str]
    hand_loop_projects: list[str]
    failed_projects: list[str]
