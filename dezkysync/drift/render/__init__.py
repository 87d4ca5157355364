"""Drift report renderers: small functions from a :class:`~dezkysync.drift.model.DriftReport`
to text, JSON or markdown."""

from __future__ import annotations

from typing import Literal

from dezkysync.drift.model import DriftReport
from dezkysync.drift.render.json import render_json, to_document
from dezkysync.drift.render.markdown import render_markdown
from dezkysync.drift.render.text import render_text, summary_line

OutputFormat = Literal["text", "json", "markdown"]
FORMATS: tuple[OutputFormat, ...] = ("text", "json", "markdown")


def render(report: DriftReport, output_format: OutputFormat, *, color: bool = False) -> str:
    """``report`` in ``output_format`` (colour applies to text only)."""
    if output_format == "json":
        return render_json(report)
    if output_format == "markdown":
        return render_markdown(report)
    return render_text(report, color=color)


__all__ = [
    "FORMATS",
    "OutputFormat",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "summary_line",
    "to_document",
]
