"""Smaller pieces: git commit detection, colour decision, group edge cases."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from dezkysync.cli.plan import want_color
from dezkysync.live.model import Ownership
from dezkysync.plan.source import git_commit
from tests.plan.builders import codes, converged, ids, member, plan_of, tenant, tenant_set


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_for_text_on_a_terminal() -> None:
    assert want_color("text", no_color=False, env={}, stream=Tty())
    assert not want_color("text", no_color=True, env={}, stream=Tty())
    assert not want_color("text", no_color=False, env={"NO_COLOR": "1"}, stream=Tty())
    assert not want_color("text", no_color=False, env={}, stream=io.StringIO())
    assert not want_color("markdown", no_color=False, env={}, stream=Tty())


def test_git_commit(tmp_path: Path) -> None:
    file = tmp_path / "acme.yaml"
    file.write_text("tenant: acme\n")
    assert git_commit([file]) is None  # not a repository

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t.test", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    git("add", "acme.yaml")
    git("commit", "-q", "-m", "init")
    head = git("rev-parse", "HEAD")
    assert git_commit([file]) == head
    file.write_text("tenant: acme\nname: changed\n")
    assert git_commit([file]) == f"{head}+dirty"
    assert git_commit([]) is None


def test_two_groups_marked_for_the_same_role() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    world.group("Acme copy", "acme", "members")
    plan = plan_of(desired, world)
    assert plan.changes == ()
    assert codes(plan) == {"duplicate-group"}


def test_a_group_marked_for_the_other_role() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    admins = next(g for g in world.groups if g.name == "tenant-acme-admins")
    world.groups.remove(admins)
    world.group("tenant-acme-admins", "acme", "members")  # a second "members" group, by name
    plan = plan_of(desired, world, adopt=True)
    assert "authentik:group:tenant-acme-admins:adopt" in ids(plan)
    assert "owned-by-other-tenant" in codes(plan, "authentik:group:tenant-acme-admins:adopt")


def test_a_group_with_an_unreadable_marker_is_left_alone() -> None:
    desired = tenant_set(tenant("acme", members=(member("alice@acme.example"),)))
    world = converged(desired)
    world.group("tenant-gone", "gone", None)
    stray = world.groups[-1]
    world.replace(stray, owner=Ownership("gone", problem="no role"))
    assert plan_of(desired, world).changes == ()
