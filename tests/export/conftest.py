"""The loopback emulators and a clean working directory (shared with the plan tests)."""

from tests.plan.conftest import services, workdir

__all__ = ["services", "workdir"]
