"""Every guard: shown as findings attached to changes, never raised; exit code 3."""

from __future__ import annotations

from dezkysync.config import DeletionLimits
from dezkysync.exitcodes import ExitCode
from dezkysync.live.model import Ownership
from dezkysync.plan import FieldChange
from tests.plan.builders import World, codes, converged, ids, member, plan_of, tenant, tenant_set

ACME = tenant_set(
    tenant("acme", members=(member("alice@acme.example", aliases=("info@acme.example",)),))
)


def blocked(plan: object, change_id: str) -> bool:
    return change_id in plan.blocked_ids  # type: ignore[attr-defined]


def test_unmanaged_objects_are_adopted_only_with_the_flag() -> None:
    world = World()
    world.domain("acme.example", None)
    world.mailbox("alice@acme.example", None, "Alice", quota=5)
    world.identity("alice@acme.example", None, "Alice")
    world.files_user("alice@acme.example", "Alice")
    world.group("tenant-acme", None, None)
    plan = plan_of(ACME, world)
    adopts = [c for c in plan.changes if c.action == "adopt"]
    assert {c.id for c in adopts} == {
        "stalwart:domain:acme.example:adopt",
        "stalwart:mailbox:alice@acme.example:adopt",
        "authentik:identity:alice@acme.example:adopt",
        "ocis:files-user:alice@acme.example:adopt",
        "authentik:group:tenant-acme:adopt",
    }
    for change in adopts:
        assert blocked(plan, change.id)
        (finding,) = [f for f in plan.findings_for(change.id) if f.code == "unmanaged-collision"]
        assert finding.override == "--adopt" and finding.severity == "blocking"
        assert change.field("password") is None  # adoption never resets a password
    mailbox = plan.change("stalwart:mailbox:alice@acme.example:adopt")
    assert mailbox is not None
    assert mailbox.fields[0] == FieldChange("tenant", None, "acme")
    assert FieldChange("quota", 5, None) in mailbox.fields
    # what depends on a blocked adoption waits too
    alias = "stalwart:alias:info@acme.example:create"
    assert blocked(plan, alias) and "blocked-by-dependency" in codes(plan, alias)
    assert plan.exit_code(detailed=True) == ExitCode.BLOCKED

    lifted = plan_of(ACME, world, adopt=True)
    assert not lifted.blocked
    assert lifted.exit_code(detailed=True) == ExitCode.CHANGES
    finding = lifted.findings_for("stalwart:mailbox:alice@acme.example:adopt")[0]
    assert finding.severity == "warning" and "allowed by --adopt" in finding.message


def test_an_adopted_identity_keeps_its_password() -> None:
    world = World()
    world.identity("alice@acme.example", None, "Alice")
    plan = plan_of(ACME, world, adopt=True)
    assert plan.change("authentik:identity:alice@acme.example:adopt").field("password") is None  # type: ignore[union-attr]
    assert plan.change("authentik:identity:alice@acme.example:update") is None
    assert "password-not-shared" in codes(plan, "stalwart:mailbox:alice@acme.example:create")


def test_another_tenants_object_is_never_taken_over() -> None:
    world = converged(ACME)
    world.replace(world.mailboxes[0], owner=Ownership("globex"))
    world.replace(world.identities[0], owner=Ownership("globex"))
    for adopt in (False, True):
        plan = plan_of(ACME, world, adopt=adopt)
        for change_id in (
            "stalwart:mailbox:alice@acme.example:adopt",
            "authentik:identity:alice@acme.example:adopt",
            "ocis:files-user:alice@acme.example:adopt",
        ):
            assert blocked(plan, change_id), change_id
            (finding,) = plan.findings_for(change_id)
            assert finding.code == "owned-by-other-tenant" and finding.override is None
            assert "'globex'" in finding.message and "'acme'" in finding.message


def test_an_unreadable_marker_blocks() -> None:
    world = converged(ACME)
    world.replace(
        world.domains[0], owner=Ownership("", problem="the marker names no valid tenant slug")
    )
    plan = plan_of(ACME, world, adopt=True)
    assert codes(plan, "stalwart:domain:acme.example:adopt") == {"marker-unreadable"}


def test_a_system_account_is_never_a_member() -> None:
    desired = tenant_set(tenant("acme", members=(member("svc@acme.example"),)))
    world = World()
    world.system.append(world.identity("svc@acme.example", None))
    world.identities.clear()
    world.replace(world.system[-1], type="service_account")
    plan = plan_of(desired, world, adopt=True)
    assert codes(plan, "authentik:identity:svc@acme.example:adopt") == {"system-account"}


def test_a_superuser_group_is_never_adopted() -> None:
    world = converged(ACME)
    group = next(g for g in world.groups if g.name == "tenant-acme-admins")
    world.replace(group, owner=None, is_superuser=True)
    plan = plan_of(ACME, world, adopt=True)
    assert codes(plan, "authentik:group:tenant-acme-admins:adopt") == {"superuser-group"}


def test_domain_in_use_by_objects_that_stay() -> None:
    desired = tenant_set(
        tenant(
            "acme", domains=("acme.example", "old.example"), members=(member("alice@acme.example"),)
        )
    )
    world = converged(desired)
    world.mailbox("someone@old.example", None, "Unmanaged")  # not ours: it stays
    smaller = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    plan = plan_of(smaller, world)
    change = "stalwart:domain:old.example:delete"
    assert blocked(plan, change)
    (finding,) = plan.findings_for(change)
    assert finding.code == "domain-in-use" and "mailbox someone@old.example" in finding.message


def test_domain_in_use_by_an_alias_of_a_mailbox_elsewhere() -> None:
    desired = tenant_set(
        tenant(
            "acme", domains=("acme.example", "old.example"), members=(member("alice@acme.example"),)
        )
    )
    world = converged(desired)
    world.mailbox("x@other.example", None, "X", aliases=("x@old.example",))
    plan = plan_of(tenant_set(tenant("acme", members=(member("alice@acme.example"),))), world)
    assert (
        "alias x@old.example (of x@other.example)"
        in plan.findings_for("stalwart:domain:old.example:delete")[0].message
    )


def test_a_domain_emptied_in_the_same_plan_is_removed_after_its_objects() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            domains=("acme.example", "old.example"),
            members=(member("alice@acme.example"), member("bob@old.example")),
        )
    )
    world = converged(desired)
    plan = plan_of(tenant_set(tenant("acme", members=(member("alice@acme.example"),))), world)
    assert not plan.blocked
    domain = plan.change("stalwart:domain:old.example:delete")
    assert domain is not None and "stalwart:mailbox:bob@old.example:delete" in domain.depends_on
    assert ids(plan)[-1] == domain.id


def test_a_mailbox_stays_while_its_owner_is_in_another_tenant() -> None:
    both = tenant_set(
        tenant("globex", members=(member("carol@globex.example"), member("dan@globex.example"))),
        tenant(
            "acme",
            members=(member("alice@acme.example"), member("carol@globex.example", guest=True)),
        ),
    )
    world = converged(both)
    without_carol = tenant_set(
        tenant("globex", members=(member("dan@globex.example"),)),
        tenant(
            "acme",
            members=(member("alice@acme.example"), member("carol@globex.example", guest=True)),
        ),
    )
    plan = plan_of(without_carol, world)
    for change_id in (
        "authentik:identity:carol@globex.example:suspend",
        "ocis:files-user:carol@globex.example:delete",
        "stalwart:mailbox:carol@globex.example:delete",
        "authentik:identity:carol@globex.example:delete",
    ):
        assert blocked(plan, change_id), change_id
    finding = next(
        f
        for f in plan.findings_for("stalwart:mailbox:carol@globex.example:delete")
        if f.code == "member-of-other-tenant"
    )
    assert "'acme'" in finding.message


def _many(count: int) -> tuple:  # type: ignore[type-arg]
    return tuple(member(f"user{n:02d}@acme.example") for n in range(count))


def test_deletion_threshold_by_count() -> None:
    full = tenant_set(tenant("acme", members=_many(30)))
    world = converged(full)
    fewer = tenant_set(tenant("acme", members=_many(19)))  # 11 members removed (> 10), 37%
    plan = plan_of(fewer, world)
    removals = [c for c in plan.changes if c.action in ("delete", "suspend")]
    assert removals and all(blocked(plan, c.id) for c in removals)
    finding = plan.findings_for(removals[0].id)[0]
    assert finding.code == "deletion-threshold" and finding.override == "--allow-deletes"
    assert "11 of its 31" in finding.message  # 30 members and a domain
    allowed = plan_of(fewer, world, allow_deletes=True)
    assert not allowed.blocked
    (note,) = [f for f in allowed.findings if f.code == "deletion-threshold"]
    assert note.severity == "warning" and note.change_id is None


def test_deletion_threshold_by_percent() -> None:
    world = converged(tenant_set(tenant("acme", members=_many(12))))  # 12 members + 1 domain
    assert not plan_of(tenant_set(tenant("acme", members=_many(9))), world).blocked  # 3 of 13
    plan = plan_of(tenant_set(tenant("acme", members=_many(8))), world)  # 4 of 13 = 31% > 25%
    assert plan.blocked
    limits = DeletionLimits(max_count=10, max_percent=50)
    assert not plan_of(tenant_set(tenant("acme", members=_many(8))), world, limits=limits).blocked


def test_small_tenants_only_count_against_max_count() -> None:
    world = converged(tenant_set(tenant("acme", members=_many(4))))
    assert not plan_of(tenant_set(tenant("acme", members=_many(1))), world).blocked  # 75% of 5


def test_protected_and_own_identities_are_never_suspended_or_deleted() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(member("ops@acme.example", state="suspended"), member("bob@acme.example")),
        )
    )
    world = converged(
        tenant_set(tenant("acme", members=(member("ops@acme.example"), member("bob@acme.example"))))
    )
    plan = plan_of(desired, world, protected=("OPS@acme.example",))
    for change_id in (
        "authentik:identity:ops@acme.example:suspend",
        "stalwart:mailbox:ops@acme.example:suspend",
        "ocis:files-user:ops@acme.example:suspend",
    ):
        assert codes(plan, change_id) == {"protected-identity"}
    assert (
        "protected in the configuration"
        in plan.findings_for("authentik:identity:ops@acme.example:suspend")[0].message
    )

    # the identity dezkysync runs as, even when managed as a member
    world = converged(tenant_set(tenant("acme", members=(member("bob@acme.example"),))))
    world.identities.append(
        world.replace(world.system[0], owner=Ownership("acme"), type="internal", path="users")
    )
    world.system.clear()
    plan = plan_of(tenant_set(tenant("acme", members=(member("bob@acme.example"),))), world)
    assert codes(plan, "authentik:identity:dezkysync:delete") >= {"protected-identity"}
    assert (
        "runs as"
        in next(
            f
            for f in plan.findings_for("authentik:identity:dezkysync:suspend")
            if f.code == "protected-identity"
        ).message
    )


def test_a_missing_tenant_file_never_tears_the_tenant_down() -> None:
    both = tenant_set(
        tenant("acme", members=(member("alice@acme.example"),)),
        tenant("globex", members=(member("carol@globex.example"),)),
    )
    world = converged(both)
    only_acme = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    plan = plan_of(only_acme, world)
    # The removals the missing file would mean are shown, every one blocked (DESIGN rule 3).
    assert plan.changes
    assert {c.tenant for c in plan.changes} == {"globex"}
    assert {c.id for c in plan.changes} == plan.blocked_ids
    for change in plan.changes:
        assert any(
            f.code in ("tenant-file-missing", "blocked-by-dependency") and f.severity == "blocking"
            for f in plan.findings_for(change.id)
        ), change.id
    assert plan.change("stalwart:mailbox:carol@globex.example:delete") is not None
    (summary,) = plan.general_findings
    assert summary.code == "tenant-file-missing" and summary.tenant == "globex"
    assert summary.severity == "warning" and "state: absent" in summary.message
    assert plan.exit_code(detailed=True) == ExitCode.BLOCKED


def test_an_address_taken_by_an_object_that_stays() -> None:
    world = World()
    world.mailing_list("alice@acme.example", None, "Old list", ("x@y.example",))
    plan = plan_of(ACME, world)
    assert codes(plan, "stalwart:mailbox:alice@acme.example:create") == {"address-in-use"}


def test_an_address_freed_in_the_same_plan_is_reused_after() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),), lists=()))
    world = converged(desired)
    world.mailing_list("info@acme.example", "acme", "Info", ("alice@acme.example",))
    new = tenant_set(
        tenant("acme", members=(member("alice@acme.example", aliases=("info@acme.example",)),))
    )
    plan = plan_of(new, world)
    assert not plan.blocked
    create = plan.change("stalwart:alias:info@acme.example:create")
    assert create is not None and "stalwart:list:info@acme.example:delete" in create.depends_on


def test_a_guest_without_an_identity_anywhere() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(member("alice@acme.example"), member("zed@elsewhere.example", guest=True)),
        )
    )
    plan = plan_of(
        desired, converged(tenant_set(tenant("acme", members=(member("alice@acme.example"),))))
    )
    assert codes(plan, "authentik:membership:tenant-acme/zed@elsewhere.example:create") == {
        "no-identity"
    }


def test_blocked_findings_never_raise_and_all_render() -> None:
    from dezkysync.plan import render

    world = World()
    world.mailbox("alice@acme.example", None)
    plan = plan_of(ACME, world)
    for output in ("text", "json", "markdown"):
        assert "unmanaged-collision" in render(plan, output)


def test_the_same_object_claimed_by_two_tenants_blocks_the_plan() -> None:
    """Validation normally refuses this; the plan still never picks a winner silently."""
    desired = tenant_set(
        tenant("acme", domains=("shared.example",), members=(member("a@shared.example"),)),
        tenant("globex", domains=("shared.example",)),
    )
    plan = plan_of(desired, World())
    assert plan.blocked
    assert plan.exit_code(detailed=True) == ExitCode.BLOCKED
    (finding,) = [f for f in plan.findings if f.code == "desired-conflict"]
    assert "'acme'" in finding.message and "'globex'" in finding.message
    assert finding.change_id is None
