"""What the rules read and what they report, in a form both the pack and the unit tests build.

The pack makes a :class:`Resource` from the arguments pulumi_policy hands it (policy/pack.py);
the unit tests make one from each resource the mocked program declares. So the rules know
neither, and the tests exercise them without faking pulumi_policy.
"""

from __future__ import annotations

import importlib
import inspect
import json
import keyword
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lib.environment import tier_of

# What associates a WAF web ACL with what it guards: the API rules (policy/rules.py) and the VPC
# rules (policy/vpc_rules.py) both look for it, one for stages, one for load balancers.
WEB_ACL_ASSOCIATIONS = {"aws:wafv2/webAclAssociation:WebAclAssociation"}


@dataclass(frozen=True)
class Resource:
    """One declared resource: its type token, logical name and properties (the inputs the
    program gave it, in the engine's camelCase), with the options a destroy acts on.

    ``links`` says which resources a property refers to (property name to their ``key``s): the
    pack reads it from the engine's property dependencies, the tests from the ids the mocks
    gave. Rules that look across resources (a bucket and its public-access block) follow it.
    """

    type: str
    name: str
    props: Mapping[str, Any]
    key: str = ""  # unique in the stack: the URN in the pack
    protect: bool = False
    # pulumi_policy does not report retainOnDelete, so only the unit tests can see it.
    retain_on_delete: bool = False
    links: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"{self.type}::{self.name}")

    def get(self, prop: str, default: Any = None) -> Any:
        """A property, or ``default`` when the program did not set it."""
        value = self.props.get(prop)
        return default if value is None else value

    @property
    def tags(self) -> Mapping[str, str]:
        """The tags the program gave the resource (empty when it gave none)."""
        return self.get("tags", {})

    @property
    def in_prod(self) -> bool:
        """Whether the resource belongs to prod: the tier its Environment tag names."""
        return is_prod(self.tags.get("Environment"))

    def document(self, prop: str) -> Mapping[str, Any] | None:
        """A property that holds a JSON policy document, parsed (None when it is not set)."""
        return parse_document(self.props.get(prop))

    def linked(self, prop: str) -> tuple[str, ...]:
        """The keys of the resources ``prop`` refers to."""
        return tuple(self.links.get(prop, ()))


# What a rule function yields for each problem it finds: the resource, the problem, the fix.
Finding = tuple[Resource, str, str]


def is_prod(environment: str | None) -> bool:
    """Whether an Environment tag's value names a prod stack (its tier, lib/environment.py)."""
    return bool(environment) and tier_of(str(environment)) == "prod"


def behind_web_acl(resources: Sequence[Resource]) -> set[str]:
    """The keys of the resources a WAF web ACL association guards (a stage, a load balancer)."""
    return {
        key
        for association in resources
        if association.type in WEB_ACL_ASSOCIATIONS
        for key in association.linked("resourceArn")
    }


@dataclass(frozen=True)
class Violation:
    """One resource that breaks one rule: what is wrong and how to put it right."""

    rule: str
    resource: Resource
    problem: str
    fix: str

    @property
    def message(self) -> str:
        """One line naming the resource, the rule and the fix."""
        return (
            f"{self.resource.type} {self.resource.name!r} {self.problem} "
            f"(rule {self.rule}). Fix: {self.fix}"
        )


def parse_document(value: Any) -> Mapping[str, Any] | None:
    """A policy document given as JSON text (or already parsed); None when there is none."""
    if value is None or value == "":
        return None
    return json.loads(value) if isinstance(value, str) else value


def as_list(value: Any) -> list[Any]:
    """A property or policy field that may be one value or many (``Action``, ``Resource``), as
    a list; None is an empty list. The pack's lists are sequences, not ``list``s."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        return [value]
    return list(value)


def snake(prop: str) -> str:
    """The Python argument of an engine property: ``kmsKeyArn`` is ``kms_key_arn``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", prop).lower()


@cache
def accepts_tags(type_token: str) -> bool:
    """Whether the pulumi-aws resource behind ``type_token`` has a ``tags`` argument."""
    if not type_token.startswith("aws:"):
        return False
    _, module_path, class_name = type_token.split(":")
    module = module_path.split("/")[0]
    if keyword.iskeyword(module):
        module += "_"
    try:
        resource_class = getattr(importlib.import_module(f"pulumi_aws.{module}"), class_name)
    except (ModuleNotFoundError, AttributeError):
        return False  # a type this pulumi-aws does not have
    # Every generated resource class declares its arguments, tags among them, on _internal_init.
    init = resource_class._internal_init  # pylint: disable=protected-access
    return "tags" in inspect.signature(init).parameters
