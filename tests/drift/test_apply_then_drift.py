"""The real apply writes the drift baseline: apply, then drift is clean; an out-of-band change
is drift (exit 4); a file change is pending (exit 2); a tenant whose apply did not fully
succeed gets no new record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dezkysync.apply.outcome import Outcome, RunReport
from dezkysync.apply.record import tenants_in_line
from dezkysync.plan.model import Change, ComputedFrom, Plan
from dezkysync.tenants import load_tenants
from dezkysync.tenants.model import shard_of
from tests.drift.support import ACME, GLOBEX, patch_user, run
from tests.plan.conftest import Services, write_tenants


def _apply(services: Services, folder: Path, tmp: Path) -> None:
    result = run(
        services,
        "apply",
        str(folder),
        "--yes",
        "--secrets-file",
        str(tmp / "secrets.json"),
        "--journal",
        str(tmp / "journal.jsonl"),
    )
    assert result.exit_code == 0, result.output


def test_apply_records_the_baseline_and_drift_uses_it(
    services: Services, workdir: Path, tmp_path: Path
) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    _apply(services, folder, tmp_path)
    journal = [json.loads(line) for line in (tmp_path / "journal.jsonl").read_text().splitlines()]
    recorded = [line for line in journal if line["status"] == "recorded"]
    assert recorded and sorted(recorded[-1]["written"]) == ["acme", "globex"]

    clean = run(services, "drift", str(folder))
    assert clean.exit_code == 0, clean.output

    patch_user(services, "alice@acme.test", {"name": "Alice Renamed"})
    drifted = run(services, "drift", str(folder), "--format", "json")
    assert drifted.exit_code == 4, drifted.output
    assert "Alice Renamed" in drifted.stdout

    # Apply again repairs the drift; the record is unchanged (same desired state).
    _apply(services, folder, tmp_path)
    assert run(services, "drift", str(folder)).exit_code == 0

    (folder / "globex.yaml").write_text(GLOBEX.replace("Dan Brown", "Dan Browne"))
    pending = run(services, "drift", str(folder))
    assert pending.exit_code == 2, pending.output


def test_only_tenants_fully_in_line_are_recorded(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "acme.yaml").write_text(ACME)
    (folder / "globex.yaml").write_text(GLOBEX)
    tenants = load_tenants([folder])

    def change(tenant: str, ident: str) -> Change:
        return Change(
            id=ident,
            service="authentik",
            kind="identity",
            action="create",
            tenant=tenant,
            key=ident,
        )

    failed = change("globex", "authentik:identity:dan@globex.test:create")
    done = change("acme", "authentik:identity:alice@acme.test:create")
    plan = Plan(
        changes=(done, failed),
        findings=(),
        computed_from=ComputedFrom(created_at=datetime.now(UTC), max_age=timedelta(hours=1)),
    )
    report = RunReport(outcomes=[Outcome(done, "applied", "ok"), Outcome(failed, "failed", "x")])
    assert tenants_in_line(tenants, plan, report) == ["acme"]
    assert tenants_in_line(tenants, plan, None) == ["acme", "globex"]


def test_apply_shard_applies_and_records_only_its_tenants(
    services: Services, workdir: Path, tmp_path: Path
) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    tenants = load_tenants([folder])
    # A shard count that puts the two tenants apart (a slug's shard depends on the slug only).
    n = next(n for n in range(2, 9) if shard_of("acme", n) != shard_of("globex", n))
    k_acme, k_globex = shard_of("acme", n), shard_of("globex", n)
    first = {t.slug for t in tenants.shard(k_acme, n).tenants}
    second = {t.slug for t in tenants.shard(k_globex, n).tenants}
    assert first == {"acme"} and second == {"globex"}
    journal = tmp_path / "journal.jsonl"
    common = ["--yes", "--secrets-file", str(tmp_path / "s.json"), "--journal", str(journal)]
    runs: list[set[str]] = []
    for shard, scope in ((f"{k_acme}/{n}", first), (f"{k_globex}/{n}", second)):
        before = len(journal.read_text().splitlines()) if journal.exists() else 0
        result = run(services, "apply", str(folder), "--shard", shard, *common)
        # A guest's membership may wait for the identity the other shard creates: blocked
        # (exit 3) in the shard that runs first, applied by the next apply.
        assert result.exit_code in (0, 3), result.output
        lines = [json.loads(line) for line in journal.read_text().splitlines()[before:]]
        runs.append({line["tenant"] for line in lines if line["status"] == "applied"})
        recorded = [line for line in lines if line["status"] == "recorded"]
        assert set(recorded[-1]["written"]) <= scope
    assert runs[0] and runs[0] <= first
    assert runs[1] and runs[1] <= second
    final = run(services, "apply", str(folder), *common)
    assert final.exit_code == 0, final.output
    assert run(services, "drift", str(folder)).exit_code == 0


def test_shard_with_a_saved_plan_is_refused(
    services: Services, workdir: Path, tmp_path: Path
) -> None:
    folder = write_tenants(workdir, acme=ACME, globex=GLOBEX)
    saved = tmp_path / "plan.json"
    assert run(services, "plan", str(folder), "--out", str(saved)).exit_code == 0
    result = run(services, "apply", str(saved), "--shard", "1/2", "--yes")
    assert result.exit_code == 1
    assert "--shard" in result.stderr
