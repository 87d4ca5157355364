"""Writing exported documents as YAML the tenant loader accepts: block style, two-space
indented lists, every ambiguous scalar quoted (``yes``, ``0755``, dates...), no anchors, no
tags, and the ``yaml-language-server`` schema line first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from dezkysync import __version__

#: Where the schema line points by default: tenant files in ``tenants/`` beside ``schemas/``.
DEFAULT_SCHEMA_REF = "../schemas/tenant.schema.json"
_WIDTH = 100


class _Dumper(yaml.SafeDumper):
    """Block style with indented sequences, never an anchor."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(document: Any) -> str:
    """``document`` as YAML (keys in the order given)."""
    text: str = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=_WIDTH,
    )
    return text


def comment_block(lines: Iterable[str]) -> str:
    """``# `` before each line (long lines wrapped), ending with a newline."""
    out: list[str] = []
    for line in lines:
        words, current = line.split(), "#"
        for word in words:
            if len(current) + 1 + len(word) > _WIDTH and current != "#":
                out.append(current)
                current = "#  "
            current += " " + word
        out.append(current if words else "#")
    return "".join(f"{line}\n" for line in out)


def tenant_file(
    document: dict[str, Any], notes: Iterable[str] = (), *, schema_ref: str = DEFAULT_SCHEMA_REF
) -> str:
    """The text of one tenant file: schema line, provenance, notes, then the document."""
    header = [f"Exported from the live services by dezkysync {__version__} (dezkysync export)."]
    notes = list(notes)
    if notes:
        header.append("Left out or adjusted while exporting:")
        header.extend(f"- {note}" for note in notes)
    schema_line = f"# yaml-language-server: $schema={schema_ref}\n"  # never wrapped
    return schema_line + comment_block(header) + dump(document)


def unmanaged_file(document: dict[str, Any], notes: Iterable[str] = ()) -> str:
    """The text of the unmanaged-candidates file."""
    header = [
        "Objects on the services that carry no dezkysync ownership marker, found by "
        f"`dezkysync export --include-unmanaged` (dezkysync {__version__}).",
        "This is not a tenant file (names starting with '.' are skipped by validate, plan and "
        "apply). To manage an object, copy its entry into a tenant file (new_tenants entries "
        "are complete tenant documents); `dezkysync plan --adopt` then shows the takeover.",
        "Passwords are never read or written: an adopted object keeps its password.",
        *notes,
    ]
    return comment_block(header) + dump(document)


__all__ = ["DEFAULT_SCHEMA_REF", "comment_block", "dump", "tenant_file", "unmanaged_file"]
