"""What the pipeline's deploy roles may do, as data: one ``deploy_actions.toml`` per folder.

``lib/deploy_actions.toml`` holds the grants for the resource types shared code declares (keys,
topics, log groups, alarms, roles); each folder of ``lib/`` holds, in its own
``deploy_actions.toml``, the grants for the types its code declares, found by folder (as
``waivers.toml`` is), so a project holds the grants of the folders its variant keeps and no
others. The account stack (lib/github_deploy.py) turns them into the deploy roles' policies.

Each ``[[grant]]`` holds a ``sid``, ``why`` (what it is for, and why when ``resources`` is
``"*"``), the resource ``types`` (``aws:lambda/function:Function``) and provider ``functions``
(``aws:ssm/getParameter:getParameter``) Pulumi creates, reads, updates and deletes with its
``actions``, the ``resources`` they apply to and an optional ``condition``. ARNs and conditions
may name ``{partition}``, ``{region}``, ``{account}`` and ``{project}``. ``[pass_role]`` lists
the services the folder's roles are passed to; ``[no_permission]`` the provider functions that
need none. A unit test (tests/unit/test_deploy_permissions.py) checks that every type and
function the program declares or calls has its grant.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.folder_files import shared_then_folders
from lib.iam import statement

LIB = Path(__file__).resolve().parent
FILE_NAME = "deploy_actions.toml"
GRANT_FIELDS = {"sid", "why", "types", "functions", "actions", "resources", "condition"}
_SID = re.compile(r"[A-Za-z0-9]+")


class DeployPermissionsError(ValueError):
    """A deploy_actions.toml the account stack cannot turn into a policy."""


@dataclass(frozen=True)
class Grant:
    """Actions on resources, for the types and functions that need them."""

    sid: str
    why: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    types: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    condition: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def statement(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The grant as an IAM statement, its placeholders filled from ``values``."""
        return statement(
            self.sid,
            self.actions,
            [fill(resource, values) for resource in self.resources],
            condition=fill(dict(self.condition), values) if self.condition else None,
        )


@dataclass(frozen=True)
class DeployPermissions:
    """Every grant of the project, and the services its roles are passed to."""

    grants: tuple[Grant, ...]
    pass_role_services: tuple[str, ...]
    no_permission_functions: frozenset[str]

    @property
    def types(self) -> frozenset[str]:
        """The resource types some grant covers."""
        return frozenset(t for grant in self.grants for t in grant.types)

    @property
    def functions(self) -> frozenset[str]:
        """The provider functions some grant covers, or that need no permission."""
        granted = {f for grant in self.grants for f in grant.functions}
        return frozenset(granted | self.no_permission_functions)

    @property
    def actions(self) -> frozenset[str]:
        """Every action some grant allows."""
        return frozenset(a for grant in self.grants for a in grant.actions)

    def statements(self, values: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every grant as an IAM statement, in file order."""
        return [grant.statement(values) for grant in self.grants]


def fill(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` (text, or lists and maps of it) with ``{partition}``... replaced."""
    if isinstance(value, str):
        return value.format_map(values)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {fill(key, values): fill(item, values) for key, item in value.items()}
    return value


def permission_files(lib: Path = LIB) -> list[Path]:
    """The shared file, then each folder's, by folder name."""
    return shared_then_folders(lib / FILE_NAME, FILE_NAME, lib)


def load(lib: Path = LIB) -> DeployPermissions:
    """Every deploy grant of the project; DeployPermissionsError names what is wrong where."""
    grants: list[Grant] = []
    services: list[str] = []
    free: set[str] = set()
    for path in permission_files(lib):
        source = path.relative_to(lib.parent).as_posix()
        data = parse(path.read_text(encoding="utf-8"), source)
        grants += [
            _grant(entry, f"{source}: grant {number}", source)
            for number, entry in enumerate(data.get("grant", []), 1)
        ]
        services += data.get("pass_role", {}).get("services", [])
        free |= set(data.get("no_permission", {}).get("functions", []))
    sids = [grant.sid for grant in grants]
    duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicates:
        raise DeployPermissionsError(f"grant sids {duplicates} appear more than once")
    return DeployPermissions(tuple(grants), tuple(sorted(set(services))), frozenset(free))


def parse(text: str, source: str) -> dict[str, Any]:
    """One file's tables; only ``grant``, ``pass_role`` and ``no_permission`` are known."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeployPermissionsError(f"{source} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - {"grant", "pass_role", "no_permission"})
    if unknown:
        raise DeployPermissionsError(f"{source} holds unknown tables {unknown}")
    return data


def _grant(entry: dict, where: str, source: str) -> Grant:
    unknown = sorted(set(entry) - GRANT_FIELDS)
    if unknown:
        raise DeployPermissionsError(f"{where} has unknown fields {unknown}")
    missing = [key for key in ("sid", "why", "actions", "resources") if not entry.get(key)]
    if missing:
        raise DeployPermissionsError(f"{where} lacks {missing}")
    if not _SID.fullmatch(entry["sid"]):
        raise DeployPermissionsError(f"{where}: sid {entry['sid']!r} must be letters and digits")
    if not entry.get("types") and not entry.get("functions"):
        raise DeployPermissionsError(f"{where} names no resource type or function it is for")
    return Grant(
        sid=entry["sid"],
        why=entry["why"],
        actions=tuple(entry["actions"]),
        resources=tuple(entry["resources"]),
        types=tuple(entry.get("types", ())),
        functions=tuple(entry.get("functions", ())),
        condition=entry.get("condition", {}),
        source=source,
    )
