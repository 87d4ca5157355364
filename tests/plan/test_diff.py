"""The diff: every kind of change, with fields, dependencies and order."""

from __future__ import annotations

import itertools
import random

from dezkysync.exitcodes import ExitCode
from dezkysync.plan import DEACTIVATE_BEFORE_REMOVAL, GENERATED, FieldChange
from dezkysync.tenants.model import MailingList
from tests.plan.builders import (
    World,
    before,
    codes,
    converged,
    ids,
    member,
    plan_of,
    tenant,
    tenant_set,
)

ACME = tenant(
    "acme",
    domains=("acme.example", "acme-mail.example"),
    members=(
        member(
            "alice@acme.example",
            "Alice Example",
            role="admin",
            aliases=("info@acme.example", "sales@acme-mail.example"),
            quota=10 * 2**30,
        ),
        member("bob@acme.example", "Bob Builder", state="suspended"),
        member("carol@globex.example", guest=True),
    ),
    lists=(MailingList("team@acme.example", "Team", ("alice@acme.example", "bob@acme.example")),),
)
GLOBEX = tenant("globex", members=(member("carol@globex.example", "Carol Danvers"),))
BOTH = tenant_set(ACME, GLOBEX)


def test_nothing_to_do_when_converged() -> None:
    plan = plan_of(BOTH, converged(BOTH))
    assert plan.changes == ()
    assert not plan.blocked
    assert plan.exit_code(detailed=True) == ExitCode.OK


def test_everything_created_from_scratch() -> None:
    plan = plan_of(BOTH, World())
    assert {c.action for c in plan.changes} == {"create"}
    assert plan.exit_code(detailed=True) == ExitCode.CHANGES
    assert plan.exit_code(detailed=False) == ExitCode.OK
    kinds = {(c.service, c.kind) for c in plan.changes}
    assert kinds == {
        ("stalwart", "domain"),
        ("stalwart", "mailbox"),
        ("stalwart", "alias"),
        ("stalwart", "list"),
        ("authentik", "identity"),
        ("authentik", "group"),
        ("authentik", "membership"),
        ("ocis", "files-user"),
    }
    mailbox = plan.change("stalwart:mailbox:alice@acme.example:create")
    assert mailbox is not None and mailbox.tenant == "acme"
    assert mailbox.fields == (
        FieldChange("name", None, "Alice Example"),
        FieldChange("quota", None, 10 * 2**30),
        FieldChange("state", None, "active"),
        FieldChange("password", None, GENERATED),
    )
    bob = plan.change("authentik:identity:bob@acme.example:create")
    assert bob is not None and bob.field("state") == FieldChange("state", None, "suspended")
    # carol is a guest in acme: a membership only; her mailbox and identity are globex's
    assert plan.change("authentik:membership:tenant-acme/carol@globex.example:create") is not None
    assert plan.change("stalwart:mailbox:carol@globex.example:create").tenant == "globex"  # type: ignore[union-attr]
    assert plan.change("authentik:membership:tenant-acme-admins/alice@acme.example:create")
    assert plan.change("authentik:membership:tenant-acme-admins/bob@acme.example:create") is None


def test_creation_order_and_dependencies() -> None:
    plan = plan_of(BOTH, World())
    domain = "stalwart:domain:acme.example:create"
    identity = "authentik:identity:alice@acme.example:create"
    group = "authentik:group:tenant-acme:create"
    membership = "authentik:membership:tenant-acme/alice@acme.example:create"
    mailbox = "stalwart:mailbox:alice@acme.example:create"
    alias = "stalwart:alias:sales@acme-mail.example:create"
    files = "ocis:files-user:alice@acme.example:create"
    chain = [domain, identity, membership, mailbox, files]
    for first, second in itertools.pairwise(chain):
        assert before(plan, first, second), (first, second)
    assert before(plan, group, membership)
    assert before(plan, mailbox, alias)
    assert before(plan, "stalwart:domain:acme-mail.example:create", alias)
    by_id = {c.id: c for c in plan.changes}
    assert set(by_id[mailbox].depends_on) >= {domain, identity, membership}
    assert set(by_id[alias].depends_on) >= {mailbox, "stalwart:domain:acme-mail.example:create"}
    assert set(by_id[files].depends_on) >= {identity, mailbox}
    # every dependency comes first
    seen: set[str] = set()
    for change in plan.changes:
        assert set(change.depends_on) <= seen, change.id
        seen.add(change.id)


def test_order_is_deterministic() -> None:
    def partial_world(seed: int) -> World:
        world = converged(BOTH)
        world.identities = [i for i in world.identities if i.login != "alice@acme.example"]
        world.mailboxes = [m for m in world.mailboxes if m.email != "carol@globex.example"]
        world.domains = [d for d in world.domains if d.name != "acme-mail.example"]
        shuffle = random.Random(seed).shuffle
        for table in (
            world.identities,
            world.mailboxes,
            world.domains,
            world.groups,
            world.files_users,
        ):
            shuffle(table)
        return world

    first = plan_of(BOTH, partial_world(1))
    assert len(first.changes) > 3
    for seed in range(2, 6):
        again = plan_of(BOTH, partial_world(seed))
        assert again.changes == first.changes
        assert again.findings == first.findings


def test_field_updates_on_every_service() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(
                member(
                    "alice@acme.example",
                    "Alice Smith",
                    quota=2 * 2**30,
                    aliases=("a@acme.example",),
                ),
            ),
            lists=(
                MailingList("team@acme.example", "The Team", ("alice@acme.example", "x@y.example")),
            ),
        )
    )
    world = converged(desired)
    world.replace(world.mailboxes[0], display_name="Alice Example", quota=2**30)
    world.replace(world.identities[0], name="Alice Example", email="old@acme.example")
    world.replace(world.files_users[1], display_name="Alice Example", mail="old@acme.example")
    world.replace(
        world.lists[0], display_name="Team", recipients=("alice@acme.example", "bob@acme.example")
    )
    plan = plan_of(desired, world)
    assert ids(plan) == [
        "authentik:identity:alice@acme.example:update",
        "stalwart:mailbox:alice@acme.example:update",
        "stalwart:list:team@acme.example:update",
        "ocis:files-user:alice@acme.example:update",
    ]
    by_id = {c.id: c for c in plan.changes}
    assert by_id["stalwart:mailbox:alice@acme.example:update"].fields == (
        FieldChange("name", "Alice Example", "Alice Smith"),
        FieldChange("quota", 2**30, 2 * 2**30),
    )
    assert by_id["authentik:identity:alice@acme.example:update"].fields == (
        FieldChange("name", "Alice Example", "Alice Smith"),
        FieldChange("email", "old@acme.example", "alice@acme.example"),
    )
    assert by_id["stalwart:list:team@acme.example:update"].fields == (
        FieldChange("name", "Team", "The Team"),
        FieldChange(
            "recipients",
            ["alice@acme.example", "bob@acme.example"],
            ["alice@acme.example", "x@y.example"],
        ),
    )
    assert by_id["ocis:files-user:alice@acme.example:update"].fields == (
        FieldChange("name", "Alice Example", "Alice Smith"),
        FieldChange("mail", "old@acme.example", "alice@acme.example"),
    )
    assert all(c.live for c in plan.changes)  # every update knows the live ids


def test_quota_back_to_the_server_default() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    world.replace(world.mailboxes[0], quota=123)
    (change,) = plan_of(desired, world).changes
    assert change.fields == (FieldChange("quota", 123, None),)


def test_a_name_left_out_is_not_managed() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example", name=None),)))
    world = converged(desired)
    world.replace(world.mailboxes[0], display_name="Whatever")
    world.replace(world.identities[0], name="Whatever")
    assert plan_of(desired, world).changes == ()


def test_aliases_added_removed_and_moved() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(
                member("alice@acme.example", aliases=("new@acme.example",)),
                member("bob@acme.example", aliases=("info@acme.example",)),
            ),
        )
    )
    world = converged(desired)
    world.replace(world.mailboxes[0], aliases=())
    alice = world.mailboxes[0]
    world.mailboxes.remove(alice)
    world.mailbox(
        "alice@acme.example", "acme", "Alice", aliases=("info@acme.example", "old@acme.example")
    )
    bob = next(m for m in world.mailboxes if m.email == "bob@acme.example")
    world.replace(bob, aliases=())
    plan = plan_of(desired, world)
    assert sorted(ids(plan)) == sorted(
        [
            "stalwart:alias:new@acme.example:create",
            "stalwart:alias:info@acme.example:delete",
            "stalwart:alias:old@acme.example:delete",
            "stalwart:alias:info@acme.example:create",
        ]
    )
    # the address moves: removed from alice before it is given to bob
    assert before(
        plan, "stalwart:alias:info@acme.example:delete", "stalwart:alias:info@acme.example:create"
    )
    delete = plan.change("stalwart:alias:old@acme.example:delete")
    assert delete is not None and set(delete.live) == {"mailbox_id", "index"}
    assert plan.change("stalwart:alias:info@acme.example:create").fields == (  # type: ignore[union-attr]
        FieldChange("mailbox", None, "bob@acme.example"),
    )


def test_role_changes_move_admins_membership() -> None:
    desired = tenant_set(
        tenant(
            "acme", members=(member("alice@acme.example", role="admin"), member("bob@acme.example"))
        )
    )
    world = converged(desired)
    admins = next(g for g in world.groups if g.name == "tenant-acme-admins")
    world.replace(admins, members=(world.pk("bob@acme.example"),))
    plan = plan_of(desired, world)
    assert ids(plan) == [
        "authentik:membership:tenant-acme-admins/alice@acme.example:create",
        "authentik:membership:tenant-acme-admins/bob@acme.example:delete",
    ]
    removal = plan.changes[1]
    assert removal.live == {"group": admins.pk, "user": world.pk("bob@acme.example")}


def test_suspend_and_resume_on_all_three_services() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(member("alice@acme.example", state="suspended"), member("bob@acme.example")),
        )
    )
    world = converged(desired)
    alice_mailbox = next(m for m in world.mailboxes if m.email == "alice@acme.example")
    custom = {
        "@type": "Merge",
        "enabledPermissions": {"emailSend": True},
        "disabledPermissions": {},
    }
    world.replace(alice_mailbox, permissions=custom)
    world.replace(
        next(i for i in world.identities if i.login == "alice@acme.example"), is_active=True
    )
    world.replace(
        next(u for u in world.files_users if u.login == "alice@acme.example"), enabled=True
    )
    bob_mailbox = next(m for m in world.mailboxes if m.email == "bob@acme.example")
    suspended = {
        "@type": "Merge",
        "enabledPermissions": {},
        "disabledPermissions": {"authenticate": True},
    }
    world.replace(bob_mailbox, permissions=suspended)
    world.replace(
        next(i for i in world.identities if i.login == "bob@acme.example"), is_active=False
    )
    world.replace(
        next(u for u in world.files_users if u.login == "bob@acme.example"), enabled=False
    )
    plan = plan_of(desired, world)
    assert sorted(ids(plan)) == sorted(
        [
            "authentik:identity:alice@acme.example:suspend",
            "stalwart:mailbox:alice@acme.example:suspend",
            "ocis:files-user:alice@acme.example:suspend",
            "authentik:identity:bob@acme.example:resume",
            "stalwart:mailbox:bob@acme.example:resume",
            "ocis:files-user:bob@acme.example:resume",
        ]
    )
    suspend = plan.change("stalwart:mailbox:alice@acme.example:suspend")
    assert suspend is not None
    assert suspend.field("permissions") == FieldChange(
        "permissions",
        custom,
        {
            "@type": "Merge",
            "enabledPermissions": {"emailSend": True},
            "disabledPermissions": {"authenticate": True},
        },
    )
    resume = plan.change("stalwart:mailbox:bob@acme.example:resume")
    assert resume is not None
    assert resume.field("permissions") == FieldChange(
        "permissions", suspended, {"@type": "Inherit"}
    )
    # suspension never touches the password
    assert all(c.field("password") is None for c in plan.changes)


def test_removing_a_member_runs_in_the_safe_order() -> None:
    desired = tenant_set(
        tenant(
            "acme", members=(member("alice@acme.example"), member("bob@acme.example", role="admin"))
        )
    )
    world = converged(desired)
    smaller = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    plan = plan_of(smaller, world)
    assert ids(plan) == [
        "authentik:identity:bob@acme.example:suspend",
        "ocis:files-user:bob@acme.example:delete",
        "stalwart:mailbox:bob@acme.example:delete",
        "authentik:membership:tenant-acme-admins/bob@acme.example:delete",
        "authentik:membership:tenant-acme/bob@acme.example:delete",
        "authentik:identity:bob@acme.example:delete",
    ]
    first = plan.changes[0]
    assert first.note == DEACTIVATE_BEFORE_REMOVAL
    by_id = {c.id: c for c in plan.changes}
    assert set(by_id["authentik:identity:bob@acme.example:delete"].depends_on) == set(
        ids(plan)[:-1]
    )
    assert first.id in by_id["ocis:files-user:bob@acme.example:delete"].depends_on
    assert (
        "ocis:files-user:bob@acme.example:delete"
        in by_id["stalwart:mailbox:bob@acme.example:delete"].depends_on
    )
    assert (
        "stalwart:mailbox:bob@acme.example:delete"
        in by_id["authentik:membership:tenant-acme/bob@acme.example:delete"].depends_on
    )
    assert not plan.blocked


def test_a_suspended_member_is_removed_without_a_second_deactivation() -> None:
    desired = tenant_set(
        tenant(
            "acme",
            members=(member("alice@acme.example"), member("bob@acme.example", state="suspended")),
        )
    )
    plan = plan_of(
        tenant_set(tenant("acme", members=(member("alice@acme.example"),))), converged(desired)
    )
    assert "authentik:identity:bob@acme.example:suspend" not in ids(plan)
    assert ids(plan)[0] == "ocis:files-user:bob@acme.example:delete"


def test_a_tenant_marked_absent_is_torn_down_domain_last() -> None:
    world = converged(BOTH)
    absent = tenant_set(
        tenant("acme", domains=("acme.example", "acme-mail.example"), state="absent"), GLOBEX
    )
    plan = plan_of(absent, world, allow_deletes=True)
    acme = [c for c in plan.changes if c.tenant == "acme"]
    assert {c.action for c in acme} == {"suspend", "delete"}
    assert ids(plan)[-1].startswith("stalwart:domain:")
    assert ids(plan)[-2].startswith("stalwart:domain:")
    assert before(
        plan,
        "authentik:membership:tenant-acme/alice@acme.example:delete",
        "authentik:group:tenant-acme:delete",
    )
    # carol (a guest from globex) leaves acme's group, and nothing else of hers moves
    assert "authentik:membership:tenant-acme/carol@globex.example:delete" in ids(plan)
    assert not [c for c in plan.changes if c.tenant == "globex"]
    assert not plan.blocked


def test_stalwart_disabled_plans_nothing_there() -> None:
    plan = plan_of(BOTH, World(stalwart=False))
    assert {c.service for c in plan.changes} == {"authentik", "ocis"}
    assert "stalwart-disabled" in codes(plan)
    assert plan.computed_from.stalwart_enabled is False


def test_group_renamed_back() -> None:
    world = converged(BOTH)
    group = next(g for g in world.groups if g.name == "tenant-acme")
    world.replace(group, name="Acme people")
    (change,) = plan_of(BOTH, world).changes
    assert change.id == "authentik:group:tenant-acme:update"
    assert change.fields == (FieldChange("name", "Acme people", "tenant-acme"),)


def test_usernames_match_case_insensitively() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    world.replace(world.identities[0], username="Alice@Acme.Example")
    (change,) = plan_of(desired, world).changes
    assert change.id == "authentik:identity:alice@acme.example:update"
    assert change.fields == (FieldChange("username", "Alice@Acme.Example", "alice@acme.example"),)


def test_one_password_for_a_recreated_mailbox_and_the_existing_identity() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    world.mailboxes.clear()
    plan = plan_of(desired, world)
    assert ids(plan) == [
        "stalwart:mailbox:alice@acme.example:create",
        "authentik:identity:alice@acme.example:update",
    ]
    update = plan.changes[1]
    assert update.fields == (FieldChange("password", None, GENERATED),)
    assert update.depends_on == ("stalwart:mailbox:alice@acme.example:create",)
    assert update.note and "share one new password" in update.note
