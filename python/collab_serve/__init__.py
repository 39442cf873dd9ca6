"""`collab serve`, the stateful fake of Lightly's Collaboration API, from Python.

- :class:`Server` starts a `collab serve` of this process's own on a free loopback
  port, with an admin token of its own; it ends with this process.
- :class:`Control` is a typed client of its control plane (``/_collab``);
  :class:`ControlError` is what a refused call raises.
- :func:`find_collab_bin` finds the `collab` binary the wheel installed.
- The pytest plugin (fixtures ``collab_server`` and ``collab``) is registered through
  the ``pytest11`` entry point: installing the package is all the set-up.

See docs/python.md in the repository.
"""

from ._find import CollabNotFound, find_collab_bin
from .control import Control, ControlError, Verification
from .server import Server, ServerError

__all__ = [
    "CollabNotFound",
    "Control",
    "ControlError",
    "Server",
    "ServerError",
    "Verification",
    "find_collab_bin",
]
