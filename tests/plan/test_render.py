"""Renderers: text (symbols, colour only when asked), markdown (size cap), json (schema)."""

from __future__ import annotations

import json

from dezkysync.live.model import Ownership
from dezkysync.plan import Plan, render, schema_errors
from dezkysync.plan.render import render_markdown, render_text
from dezkysync.tenants.model import MailingList
from tests.plan.builders import World, converged, member, plan_of, tenant, tenant_set

ACME = tenant_set(
    tenant(
        "acme",
        members=(
            member(
                "alice@acme.example",
                "Alice",
                quota=2**30,
                aliases=("info@acme.example",),
                state="suspended",
            ),
            member("bob@acme.example", "Bob"),
        ),
        lists=(MailingList("team@acme.example", "Team", ("alice@acme.example",)),),
    )
)


def mixed_plan() -> Plan:
    """A plan with every action: create, update, delete, suspend, resume, adopt (blocked)."""
    world = converged(
        tenant_set(
            tenant(
                "acme", members=(member("bob@acme.example", "Bobby"), member("zed@acme.example"))
            )
        )
    )
    world.replace(
        next(i for i in world.identities if i.login == "bob@acme.example"), is_active=False
    )
    world.mailbox("alice@acme.example", None, "Alice")
    return plan_of(ACME, world)


def test_text_shows_every_symbol_and_the_summary() -> None:
    plan = mixed_plan()
    text = render_text(plan)
    for symbol in ("+ ", "~ ", "- ", "⏸ ", "▶ ", "⇄ "):
        assert f"    {symbol}" in text, symbol
    assert "tenant acme" in text and "  stalwart" in text and "  authentik" in text
    assert "⇄ mailbox alice@acme.example  BLOCKED" in text
    assert "✗ unmanaged-collision:" in text and "(override: --adopt)" in text
    assert "(deactivate before removal)" in text
    assert 'name: "Bobby" -> "Bob"' in text
    assert "recipients: [alice@acme.example]" in text
    assert text.rstrip().splitlines()[-1].startswith("Plan: ")
    assert "blocked by guards" in text.splitlines()[-1]
    assert "\x1b[" not in text  # no colour unless asked


def test_colour_only_when_asked() -> None:
    plan = mixed_plan()
    coloured = render_text(plan, color=True)
    assert "\x1b[" in coloured
    assert render(plan, "text") == render_text(plan, color=False)


def test_no_changes() -> None:
    plan = plan_of(ACME, converged(ACME))
    assert render_text(plan) == "No changes. The services match the tenant files.\n"
    markdown = render_markdown(plan)
    assert "**No changes.**" in markdown
    assert json.loads(render(plan, "json"))["summary"]["changes"] == 0


def test_field_values_read_well() -> None:
    plan = plan_of(ACME, World())
    text = render_text(plan)
    assert "quota: 1GiB" in text
    assert "password: (generated at apply)" in text
    assert "state: suspended" in text


def test_json_document_validates_and_marks_blocked_changes() -> None:
    plan = mixed_plan()
    document = json.loads(render(plan, "json"))
    assert not schema_errors(document)
    assert document["format_version"] == 1
    blocked = [c for c in document["changes"] if c["blocked"]]
    assert blocked and all(c["id"] in plan.blocked_ids for c in blocked)
    assert document["summary"]["actions"]["adopt"] == 1
    assert document["summary"]["tenants"]["acme"]["stalwart"] >= 1


def test_markdown_summary_table_and_details() -> None:
    plan = mixed_plan()
    markdown = render_markdown(plan)
    assert "| tenant | stalwart | authentik | ocis | blocked |" in markdown
    assert "| acme |" in markdown
    assert "### ⛔ Blocked" in markdown
    assert "<details>" in markdown and "</details>" in markdown
    assert "```text" in markdown


def test_markdown_stays_under_the_limit_and_points_to_the_json() -> None:
    tenants = tenant_set(
        *(
            tenant(
                f"t{n:03d}",
                members=tuple(
                    member(f"user{i:02d}@t{n:03d}.example", f"User {i} with a long name")
                    for i in range(10)
                ),
            )
            for n in range(30)
        )
    )
    plan = plan_of(tenants, World(), validate=False)
    assert len(render_text(plan)) > 60_000
    markdown = render_markdown(plan)
    assert len(markdown) < 60_000
    assert "limited to 60,000 characters" in markdown
    assert "--format json" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")
    small = render_markdown(plan, limit=5_000)
    assert len(small) <= 5_000


def test_markdown_escapes_what_it_quotes() -> None:
    world = converged(ACME)
    world.replace(world.domains[0], owner=Ownership("", problem="bad *marker* <b>|x|</b>"))
    markdown = render_markdown(plan_of(ACME, world))
    blocked = markdown.split("### ⛔ Blocked")[1].split("<details>")[0]
    assert "<b>" not in blocked and "&lt;b&gt;" in blocked  # prose is escaped
    assert "\\*marker\\*" in blocked and "\\|x\\|" in blocked
    # inside the folded code blocks, text is shown as is (markdown does not render it)
