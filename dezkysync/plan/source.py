"""What a plan is computed from: the tenant files (bytes and desired state), the git commit,
the services read and as whom."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path

from dezkysync.live.model import LiveState
from dezkysync.plan.model import FileDigest, ServiceSource, TenantDigest
from dezkysync.tenants.model import TenantSet


def file_digests(tenants: TenantSet) -> tuple[FileDigest, ...]:
    """The sha256 of every tenant file, as the paths were given."""
    return tuple(
        FileDigest(path=str(path), sha256=hashlib.sha256(path.read_bytes()).hexdigest())
        for path in tenants.files
    )


def tenant_digests(tenants: TenantSet) -> tuple[TenantDigest, ...]:
    """Each tenant's desired-state hash."""
    return tuple(
        TenantDigest(slug=t.slug, state=t.state, desired_hash=t.desired_hash())
        for t in tenants.tenants
    )


def service_sources(live: LiveState, urls: dict[str, str]) -> tuple[ServiceSource, ...]:
    """Each service read, its URL and the identity the token acts as."""
    sources = [
        ServiceSource("authentik", urls.get("authentik", ""), live.authentik.me.username),
        ServiceSource("ocis", urls.get("ocis", ""), live.ocis.me.username),
    ]
    if live.stalwart is not None:
        sources.insert(
            0, ServiceSource("stalwart", urls.get("stalwart", ""), live.stalwart.identity)
        )
    return tuple(sources)


def git_commit(paths: Sequence[Path]) -> str | None:
    """The commit checked out where the tenant files are (None outside git, or when git is
    missing). A ``+dirty`` suffix says the tenant files differ from that commit."""
    if not paths:
        return None
    first = paths[0].resolve()
    where = first if first.is_dir() else first.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if head.returncode != 0:
            return None
        commit = head.stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", *(str(p.resolve()) for p in paths)],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = status.returncode == 0 and bool(status.stdout.strip())
    return f"{commit}+dirty" if dirty else commit
