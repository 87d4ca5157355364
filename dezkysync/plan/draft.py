"""Changes while a plan is being computed: mutable drafts, their findings and fingerprints.

A :class:`Draft` carries, beside what a :class:`~dezkysync.plan.model.Change` shows, what the
linking and the guards need to reason about it: the member login it belongs to, the domain it
lives on, the addresses it claims or frees, the tenant group it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from dezkysync.live.fingerprint import fingerprint
from dezkysync.live.model import GroupRole, Ownership
from dezkysync.plan.model import (
    DEACTIVATE_BEFORE_REMOVAL,
    Action,
    FieldChange,
    Finding,
    Kind,
    PlanOptions,
    Service,
    Severity,
)

Claim = Literal["ours", "free", "foreign", "unreadable"]

#: The flag that lifts the "unmanaged object" guard.
ADOPT_FLAG = "--adopt"
#: The flag that lifts the deletion thresholds.
ALLOW_DELETES_FLAG = "--allow-deletes"


@dataclass
class Draft:
    """A change being built."""

    service: Service
    kind: Kind
    action: Action
    tenant: str
    key: str
    fields: list[FieldChange] = field(default_factory=list)
    live: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    login: str | None = None  # the member this object belongs to
    domain: str | None = None  # the domain it lives on
    claims: tuple[str, ...] = ()  # addresses it takes
    frees: tuple[str, ...] = ()  # addresses it gives back
    group: tuple[str, GroupRole] | None = None  # the tenant group it concerns
    deps: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        """The stable change id."""
        return f"{self.service}:{self.kind}:{self.key}:{self.action}"

    @property
    def object_ref(self) -> str:
        """The live object it concerns, as named in ``computed_from.live_objects``."""
        return f"{self.service}:{self.kind}:{self.key}"

    @property
    def removes(self) -> bool:
        """A deletion, or the deactivation that starts a removal."""
        return self.action == "delete" or self.note == DEACTIVATE_BEFORE_REMOVAL


class Builder:
    """Collects drafts, findings and live fingerprints; looks drafts up for linking."""

    def __init__(self, options: PlanOptions) -> None:
        self.options = options
        self.drafts: dict[str, Draft] = {}
        self.findings: list[Finding] = []
        self.live_objects: dict[str, str] = {}
        self._by_object: dict[tuple[str, str], list[Draft]] = defaultdict(list)
        self._by_login: dict[str, list[Draft]] = defaultdict(list)

    # -- adding -------------------------------------------------------------------------------
    def add(self, draft: Draft, live: object | None) -> Draft:
        """Record ``draft`` and the fingerprint of the live object it was computed from."""
        if draft.id in self.drafts:
            raise AssertionError(f"two changes with the id {draft.id}")
        self.drafts[draft.id] = draft
        self.live_objects.setdefault(draft.object_ref, fingerprint(live))
        self._by_object[(draft.kind, draft.key)].append(draft)
        if draft.login:
            self._by_login[draft.login].append(draft)
        return draft

    def finding(
        self,
        code: str,
        severity: Severity,
        message: str,
        *,
        tenant: str | None = None,
        draft: Draft | None = None,
        override: str | None = None,
    ) -> None:
        """Record a finding (attached to ``draft`` when given)."""
        self.findings.append(
            Finding(
                code=code,
                severity=severity,
                message=message,
                tenant=tenant if tenant is not None else (draft.tenant if draft else None),
                change_id=draft.id if draft else None,
                override=override,
            )
        )

    def block(self, draft: Draft, code: str, message: str, *, override: str | None = None) -> None:
        """Hold ``draft`` back, unless ``override`` names a flag that was given (then the
        finding is kept as a warning, for the record)."""
        lifted = (override == ADOPT_FLAG and self.options.adopt) or (
            override == ALLOW_DELETES_FLAG and self.options.allow_deletes
        )
        if lifted:
            self.finding(code, "warning", f"{message} [allowed by {override}]", draft=draft)
        else:
            self.finding(code, "blocking", message, draft=draft, override=override)

    # -- looking up ------------------------------------------------------------------------------
    def of(self, kind: Kind, key: str, *actions: Action) -> Draft | None:
        """The draft for (kind, key) with one of ``actions`` (any action when none given)."""
        for draft in self._by_object.get((kind, key), ()):
            if not actions or draft.action in actions:
                return draft
        return None

    def taking(self, kind: Kind, key: str) -> Draft | None:
        """The create or adopt of (kind, key), if planned."""
        return self.of(kind, key, "create", "adopt")

    def of_login(self, login: str) -> list[Draft]:
        """Every draft belonging to ``login``."""
        return list(self._by_login.get(login, ()))

    def __iter__(self) -> Iterator[Draft]:
        return iter(self.drafts.values())

    def blocked_ids(self) -> set[str]:
        """Ids of drafts with a blocking finding."""
        return {f.change_id for f in self.findings if f.severity == "blocking" and f.change_id}


def claim(owner: Ownership | None, tenant: str) -> Claim:
    """How an existing object stands for ``tenant``: ours, free (unmanaged), another tenant's,
    or carrying an unreadable marker."""
    if owner is None:
        return "free"
    if owner.problem:
        return "unreadable"
    return "ours" if owner.tenant == tenant else "foreign"


def take_over(
    builder: Builder,
    draft: Draft,
    owner: Ownership | None,
    what: str,
) -> None:
    """Attach the guard a takeover needs: ``--adopt`` for an unmanaged object; never for
    another tenant's object or an unreadable marker."""
    state = claim(owner, draft.tenant)
    if state == "free":
        kept = " (its password is kept)" if draft.kind in ("identity", "mailbox") else ""
        builder.block(
            draft,
            "unmanaged-collision",
            f"{what} exists on {draft.service} but dezkysync did not create it; adopting it "
            f"marks it as managed for tenant '{draft.tenant}'{kept}",
            override=ADOPT_FLAG,
        )
    elif state == "unreadable":
        assert owner is not None
        builder.block(
            draft,
            "marker-unreadable",
            f"{what} on {draft.service} carries a dezkysync marker that cannot be read "
            f"({owner.problem}); fix or remove the marker by hand",
        )
    elif state == "foreign":
        assert owner is not None
        builder.block(
            draft,
            "owned-by-other-tenant",
            f"{what} on {draft.service} belongs to tenant '{owner.tenant}', but the files give "
            f"it to tenant '{draft.tenant}'; it is never taken over from another tenant",
        )


def field_changes(pairs: Iterable[tuple[str, Any, Any]]) -> list[FieldChange]:
    """FieldChanges for the (name, before, after) triples whose values differ."""
    return [FieldChange(name, before, after) for name, before, after in pairs if before != after]
