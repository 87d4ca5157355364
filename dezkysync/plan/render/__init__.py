"""Plan renderers: small functions from a :class:`~dezkysync.plan.model.Plan` to text."""

from __future__ import annotations

from typing import Literal

from dezkysync.plan.model import Plan
from dezkysync.plan.render.json import render_json
from dezkysync.plan.render.markdown import LIMIT as MARKDOWN_LIMIT
from dezkysync.plan.render.markdown import render_markdown
from dezkysync.plan.render.text import render_text, summary_line

OutputFormat = Literal["text", "json", "markdown"]
FORMATS: tuple[OutputFormat, ...] = ("text", "json", "markdown")


def render(plan: Plan, output_format: OutputFormat, *, color: bool = False) -> str:
    """``plan`` in ``output_format`` (colour applies to text only)."""
    if output_format == "json":
        return render_json(plan)
    if output_format == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)


__all__ = [
    "FORMATS",
    "MARKDOWN_LIMIT",
    "OutputFormat",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "summary_line",
]
