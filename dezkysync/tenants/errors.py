"""What goes wrong in tenant files, each problem pinned to a file, line and column.

``load_tenants`` collects every ``ValidationError`` of a run (YAML problems, schema violations,
cross-file rules) and raises one ``TenantFilesInvalid`` carrying all of them, sorted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ValidationError:
    """One problem in a tenant file."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    location: str  # document location, e.g. "members[2].email" ("" for the whole file)
    message: str

    def __str__(self) -> str:
        """``FILE:LINE:COL: LOCATION: MESSAGE`` (the location is left out when empty)."""
        where = f"{self.file}:{self.line}:{self.column}"
        if self.location:
            return f"{where}: {self.location}: {self.message}"
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, object]:
        """The error as plain JSON data."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "location": self.location,
            "message": self.message,
        }


def summarize(errors: Iterable[ValidationError]) -> str:
    """``N errors in M files`` (singular where it is one)."""
    listed = list(errors)
    count, files = len(listed), len({error.file for error in listed})
    return f"{count} error{'' if count == 1 else 's'} in {files} file{'' if files == 1 else 's'}"


class TenantFilesInvalid(Exception):
    """The tenant files of a run have problems; ``errors`` lists all of them, sorted."""

    errors: list[ValidationError]

    def __init__(self, errors: Iterable[ValidationError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__(self.summary())

    @property
    def files(self) -> list[str]:
        """The files that have at least one error, sorted."""
        return sorted({error.file for error in self.errors})

    def summary(self) -> str:
        """``N errors in M files``."""
        return summarize(self.errors)

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(str(error) for error in self.errors)])
