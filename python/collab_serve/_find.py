"""Where the `collab` binary is: the one the wheel installed first."""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from typing import List, Optional

#: The environment variable naming a `collab` binary, looked at last.
COLLAB_BIN_ENV = "COLLAB_BIN"


class CollabNotFound(FileNotFoundError):
    """No `collab` binary was found; the message lists every place looked at."""


def _exe_name() -> str:
    return "collab" + (sysconfig.get_config_var("EXE") or "")


def _user_scheme() -> str:
    if sys.version_info >= (3, 10):
        return sysconfig.get_preferred_scheme("user")
    if os.name == "nt":
        return "nt_user"
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "posix_user"


def _script_folders() -> List[str]:
    """The folders a wheel's scripts land in, the running interpreter's first."""
    folders = [sysconfig.get_path("scripts")]
    # `pip install --user`: the user scheme's scripts (e.g. ~/.local/bin).
    try:
        folders.append(sysconfig.get_path("scripts", scheme=_user_scheme()))
    except KeyError:
        pass
    # `pip install --target DIR`: scripts in DIR/bin, beside the package.
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    folders.append(os.path.join(package_root, "bin"))
    # `pip install --prefix P`: P/lib/pythonX.Y/site-packages/collab_serve -> P/bin.
    prefix = os.path.dirname(os.path.dirname(os.path.dirname(package_root)))
    folders.append(os.path.join(prefix, "Scripts" if os.name == "nt" else "bin"))
    unique: List[str] = []
    for folder in folders:
        if folder and folder not in unique:
            unique.append(folder)
    return unique


def find_collab_bin(explicit: Optional[str] = None) -> str:
    """The path of the `collab` binary.

    ``explicit`` (a path, or a name looked up on ``PATH``) wins when given. Otherwise:
    the scripts folder of this Python (where ``pip install`` puts the wheel's binary),
    the other places a wheel's scripts may land (user scheme, ``--target``,
    ``--prefix``), then ``PATH``, then ``$COLLAB_BIN``. Raises :class:`CollabNotFound`
    naming every place looked at.
    """
    tried: List[str] = []
    if explicit:
        found = _usable(explicit) or shutil.which(explicit)
        if found:
            return found
        raise CollabNotFound(
            f"the collab binary given ({explicit!r}) is not an executable file"
            " nor a command on PATH"
        )
    name = _exe_name()
    for folder in _script_folders():
        path = os.path.join(folder, name)
        tried.append(path)
        if _usable(path):
            return path
    on_path = shutil.which(name)
    tried.append(f"{name} on PATH ({os.environ.get('PATH', '')})")
    if on_path:
        return on_path
    from_env = os.environ.get(COLLAB_BIN_ENV)
    tried.append(f"${COLLAB_BIN_ENV} ({from_env!r})" if from_env else f"${COLLAB_BIN_ENV} (not set)")
    if from_env and _usable(from_env):
        return from_env
    raise CollabNotFound(
        "no collab binary found; looked at:\n  "
        + "\n  ".join(tried)
        + "\ninstall it with `pip install ./python` from the repository (needs cargo) or"
        " `pip install` of a collab-serve wheel, or set $COLLAB_BIN to its path"
    )


def _usable(path: str) -> Optional[str]:
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None
