"""The JSON rendering: the plan document (schema: ``dezkysync/schemas/plan.schema.json``)."""

from __future__ import annotations

import json

from dezkysync.plan.model import Plan
from dezkysync.plan.serialize import to_document


def render_json(plan: Plan) -> str:
    """The plan document, indented, ending with a newline."""
    return json.dumps(to_document(plan), indent=2, ensure_ascii=False) + "\n"
