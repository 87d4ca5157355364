"""One ``apply`` run, step by step (the command only parses arguments, prints and asks).

1. :func:`read_inputs`: the tenant files, or a saved plan (checked for age and for changed
   tenant files before any service is called);
2. the caller opens the secrets file and the journal (before any service is touched), then
   :func:`connect_services` and reads the live state;
3. :func:`plan_for`: a fresh plan, or the saved plan verified against a fresh computation;
4. :func:`execute`: the plan through the writers, journaled, passwords in the secrets file.

Anything that stops a run before it changes something raises :class:`ApplyStop` with the
message and the exit code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dezkysync.apply.credentials import PasswordBook
from dezkysync.apply.executor import Executor
from dezkysync.apply.index import LiveIndex
from dezkysync.apply.journal import Journal
from dezkysync.apply.outcome import Outcome, RunReport
from dezkysync.apply.safety import Safety, Selves
from dezkysync.apply.secrets_file import SecretsFile
from dezkysync.apply.staleness import (
    age_problem,
    file_problems,
    saved_file_paths,
    stale_reasons,
    summarise,
)
from dezkysync.apply.steps import ChangeRunner, Writers
from dezkysync.config import Config
from dezkysync.exitcodes import ExitCode
from dezkysync.http import RetryPolicy
from dezkysync.live.model import LiveState
from dezkysync.plan.model import Plan, PlanOptions
from dezkysync.plan.run import plan_as_configured
from dezkysync.plan.saved import SavedPlanError, load_plan
from dezkysync.plan.serialize import summary
from dezkysync.plan.shard import Shard, shard_plan
from dezkysync.plan.source import git_commit
from dezkysync.services.reader import ServiceClients, connect
from dezkysync.services.writers import AuthentikWriter, OcisWriter, StalwartWriter
from dezkysync.tenants import TenantSet, load_tenants

SAVED_PLAN_SUFFIX = ".json"


class ApplyStop(Exception):
    """The run stops before changing anything."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Inputs:
    """What a run applies: tenant files (a fresh plan) or a saved plan."""

    tenants: TenantSet | None = None
    paths: tuple[Path, ...] = ()
    saved: Plan | None = None
    saved_path: Path | None = None
    shard: Shard | None = None

    def in_scope(self) -> TenantSet | None:
        """The tenants this run applies: the shard's (fresh plan with ``--shard``), the saved
        plan's, or all of them."""
        if self.tenants is None:
            return None
        if self.shard is not None:
            return self.tenants.shard(self.shard.k, self.shard.n)
        if self.saved is not None:
            slugs = {t.slug for t in self.saved.computed_from.tenants}
            return TenantSet(
                tenants=tuple(t for t in self.tenants.tenants if t.slug in slugs),
                files=self.tenants.files,
            )
        return self.tenants


def is_saved_plan(paths: Sequence[Path]) -> bool:
    """One ``.json`` file: a saved plan (tenant files are YAML)."""
    return len(paths) == 1 and paths[0].suffix.lower() == SAVED_PLAN_SUFFIX


def read_inputs(
    paths: Sequence[Path], options: PlanOptions, *, shard: Shard | None = None
) -> Inputs:
    """Load the tenant files, or the saved plan and the files it names. ``shard`` limits a
    fresh plan to a stable subset of the tenants (validation stays global).

    Raises :class:`dezkysync.tenants.TenantFilesInvalid` for bad tenant files and
    :class:`ApplyStop` for a saved plan that cannot be used, before any service is called.
    """
    if not is_saved_plan(paths):
        return Inputs(tenants=load_tenants(list(paths)), paths=tuple(paths), shard=shard)
    path = paths[0]
    if shard is not None:
        raise ApplyStop(
            f"{path}: a saved plan's tenants are fixed when it is computed; give --shard to "
            "`dezkysync plan ... --out plan.json` instead"
        )
    try:
        saved = load_plan(path)
    except SavedPlanError as exc:
        raise ApplyStop(str(exc)) from None
    source = saved.computed_from
    asked = (options.adopt and not source.options.adopt) or (
        options.allow_deletes and not source.options.allow_deletes
    )
    if asked:
        raise ApplyStop(
            f"{path}: the overrides of a saved plan are fixed when it is computed; compute it "
            "again with them: dezkysync plan ... --adopt/--allow-deletes --out plan.json"
        )
    too_old = age_problem(saved)
    if too_old:
        raise ApplyStop(f"{path}: refusing a stale plan: {too_old}")
    moved = file_problems(saved)
    if moved:
        raise ApplyStop(f"{path}: refusing a stale plan: {summarise(moved)}; compute it again")
    files = saved_file_paths(saved)
    if not files:
        raise ApplyStop(f"{path}: the saved plan names no tenant file")
    return Inputs(tenants=load_tenants(files), paths=tuple(files), saved=saved, saved_path=path)


def connect_services(config: Config, *, retry: RetryPolicy | None = None) -> ServiceClients:
    """Clients for every service in ``config`` (close them when done)."""
    return connect(config, retry=retry)


def writers_for(clients: ServiceClients) -> Writers:
    """The writers over a run's clients."""
    return Writers(
        authentik=AuthentikWriter(clients.authentik),
        ocis=OcisWriter(clients.ocis),
        stalwart=StalwartWriter(clients.stalwart) if clients.stalwart is not None else None,
    )


def plan_for(inputs: Inputs, config: Config, live: LiveState, options: PlanOptions) -> Plan:
    """The plan to run: fresh from the tenant files, or the saved plan once verified against
    a fresh computation (:class:`ApplyStop` when it is stale)."""
    assert inputs.tenants is not None
    effective = inputs.saved.computed_from.options if inputs.saved is not None else options
    fresh = plan_as_configured(
        inputs.tenants,
        live,
        config,
        options=effective,
        commit=git_commit(list(inputs.paths)),
    )
    scope = inputs.in_scope()
    if scope is not None and len(scope.tenants) != len(inputs.tenants.tenants):
        # Computed whole (the cross-tenant guards need every tenant), then cut to the scope.
        fresh = shard_plan(fresh, {t.slug for t in scope.tenants})
    if inputs.saved is None:
        return fresh
    reasons = stale_reasons(
        inputs.saved, fresh, service_urls={n: s.url for n, s in config.services.items()}
    )
    if reasons:
        raise ApplyStop(
            f"{inputs.saved_path}: refusing a stale plan: {summarise(reasons)}; "
            "compute it again (dezkysync plan ... --out plan.json)"
        )
    return inputs.saved


def general_block(plan: Plan) -> str | None:
    """Why the plan as a whole may not run (a blocking finding on no single change)."""
    reasons = [f.message for f in plan.general_findings if f.severity == "blocking"]
    return "; ".join(reasons) if reasons else None


def record_start(journal: Journal, plan: Plan, inputs: Inputs, secrets: SecretsFile) -> None:
    """The journal line that opens a run: what it applies, from what, as whom."""
    source = plan.computed_from
    journal.write(
        "started",
        plan=summary(plan),
        saved_plan=str(inputs.saved_path) if inputs.saved_path else None,
        files_hash=source.files_hash,
        git_commit=source.git_commit,
        options={"adopt": source.options.adopt, "allow_deletes": source.options.allow_deletes},
        services=[{"name": s.name, "url": s.url, "identity": s.identity} for s in source.services],
        secrets_file=str(secrets.path),
    )


def execute(
    plan: Plan,
    live: LiveState,
    clients: ServiceClients,
    config: Config,
    secrets: SecretsFile,
    journal: Journal,
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
    writers: Writers | None = None,
) -> RunReport:
    """Run ``plan`` against the services read as ``live``; journal every outcome."""
    index = LiveIndex(live)
    passwords = PasswordBook(plan, secrets)
    runner = ChangeRunner(
        writers or writers_for(clients),
        index,
        passwords,
        Safety(index, Selves.of(live), config.protected),
    )
    executor = Executor(
        plan,
        runner,
        journal,
        concurrency=config.concurrency,
        on_outcome=on_outcome,
    )
    report = executor.run()
    report.passwords = list(passwords.recorded)
    return report
