"""Executing a plan: guarded, dependency-ordered writes, one-time passwords, the secrets file
and the journal; and the imperative member actions.

The steps of an ``apply`` run are in :mod:`dezkysync.apply.run`; the scheduler in
:mod:`dezkysync.apply.executor`; how each typed change maps onto the service writers in
:mod:`dezkysync.apply.steps`; the safety re-checks in :mod:`dezkysync.apply.safety`; one
password per member per run in :mod:`dezkysync.apply.credentials`; saved-plan staleness in
:mod:`dezkysync.apply.staleness`; ``member reset-password`` and ``member logout`` in
:mod:`dezkysync.apply.member`.
"""

from dezkysync.apply.executor import KILL_AFTER_VARIABLE, Executor
from dezkysync.apply.journal import Journal
from dezkysync.apply.member import MemberRefused, find_member, logout, reset_password
from dezkysync.apply.outcome import Outcome, RunReport
from dezkysync.apply.passwords import generate_password
from dezkysync.apply.run import ApplyStop, Inputs, execute, plan_for, read_inputs
from dezkysync.apply.safety import Refused
from dezkysync.apply.secrets_file import SecretEntry, SecretsFile, SecretsFileError

__all__ = [
    "KILL_AFTER_VARIABLE",
    "ApplyStop",
    "Executor",
    "Inputs",
    "Journal",
    "MemberRefused",
    "Outcome",
    "Refused",
    "RunReport",
    "SecretEntry",
    "SecretsFile",
    "SecretsFileError",
    "execute",
    "find_member",
    "generate_password",
    "logout",
    "plan_for",
    "read_inputs",
    "reset_password",
]
