"""The plan: desired vs live state -> typed changes, guards' findings, ordering, renderers and
saved plans.

``compute_plan(tenants, live, ...)`` gives a :class:`Plan` value; nothing here talks to a
service or raises for a guard (guards become findings; ``apply`` enforces them).
"""

from dezkysync.plan.compute import compute_plan
from dezkysync.plan.model import (
    DEACTIVATE_BEFORE_REMOVAL,
    GENERATED,
    Action,
    Change,
    ComputedFrom,
    FieldChange,
    Finding,
    Kind,
    Plan,
    PlanOptions,
    Service,
    Severity,
)
from dezkysync.plan.render import FORMATS, OutputFormat, render
from dezkysync.plan.saved import SavedPlanError, check_age, load_plan, save_plan, schema_errors
from dezkysync.plan.serialize import FORMAT_VERSION, from_document, to_document

__all__ = [
    "DEACTIVATE_BEFORE_REMOVAL",
    "FORMATS",
    "FORMAT_VERSION",
    "GENERATED",
    "Action",
    "Change",
    "ComputedFrom",
    "FieldChange",
    "Finding",
    "Kind",
    "OutputFormat",
    "Plan",
    "PlanOptions",
    "SavedPlanError",
    "Service",
    "Severity",
    "check_age",
    "compute_plan",
    "from_document",
    "load_plan",
    "render",
    "save_plan",
    "schema_errors",
    "to_document",
]
