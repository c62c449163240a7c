"""Coaching reports rendered from the call records and their judgements: per agent, per call, team overview, clips.

Rendering only reads: the measured records ``OUT/calls/*.json`` and the judgements
``OUT/judgements/*.json``, plus the call's audio ``source`` for snippets when it exists; it writes
the pages (``OUT/agents/``, ``OUT/callpages/``, ``OUT/index.html``, ``OUT/team.csv``), their
snippets (``OUT/audio/``) and its own bookkeeping (``OUT/.report/``). A judged call shows its
judged findings (team and own-history comparisons, :mod:`callcheck.judge`); a call without a
current judgement shows the absolute findings of its record. Pages are plain HTML with inline CSS
and SVG, no scripts, relative links (a copied folder works offline) and Jinja2 autoescaping on.

Modules: :mod:`~callcheck.report.render` (the pass over the folder, incremental pages),
:mod:`~callcheck.report.digest` (a call reduced to what the pages count),
:mod:`~callcheck.report.aggregate` (agent and team figures), :mod:`~callcheck.report.callpage`,
:mod:`~callcheck.report.evidence` (findings as sentences), :mod:`~callcheck.report.i18n` (texts,
number formats), :mod:`~callcheck.report.audio` (snippets: the one cutting function, PII muted),
:mod:`~callcheck.report.clips` (trainer material), :mod:`~callcheck.report.timeline`,
:mod:`~callcheck.report.svg`, :mod:`~callcheck.report.stats`.
"""

from __future__ import annotations

from callcheck.report.clips import ClipsSummary, export_clips
from callcheck.report.render import ReportError, ReportSummary, agent_slug, judge_and_render, render_reports, team_csv

__all__ = ["ReportError", "ReportSummary", "ClipsSummary", "judge_and_render", "render_reports", "export_clips", "agent_slug",
           "team_csv"]
