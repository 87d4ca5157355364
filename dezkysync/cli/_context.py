"""What the root command hands to every subcommand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass
class CliContext:
    """Global options of one invocation."""

    sandbox: bool
    sandbox_dir: Path
    config_path: Path | None
    no_color: bool

    @classmethod
    def current(cls) -> CliContext:
        """The context of the running command."""
        obj = click.get_current_context().find_root().obj
        assert isinstance(obj, CliContext)
        return obj
