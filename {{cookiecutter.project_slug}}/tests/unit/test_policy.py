"""The policy pack's rules over everything the program declares, on every stack the suite
builds: a change that breaks a mandatory rule fails here, offline, before anyone previews."""

import warnings

import pytest

from policy.controls import cited, controls_by_rule, load_controls
from policy.model import Resource, Violation
from policy.rules import ADVISORY, DISABLED, LEVELS, MANDATORY, RULES, Rule
from policy.waivers import load_waivers, waiver_for
from tests.unit.mocks import Deployment

WAIVERS = load_waivers()
# The Security Hub controls each rule enforces, which its messages name, as the pack's do.
CONTROLS_BY_RULE = controls_by_rule(load_controls())
# The application stacks, and the account program's (tests/unit/conftest.py).
STACKS = (
    "stack",
    "prod_stack",
    "pr_stack",
    "account_stack",
    "adopting_account_stack",
    "bare_account_stack",
)
_AS_DECLARED: dict[int, list[Resource]] = {}


def as_declared(deployment: Deployment) -> list[Resource]:
    """What the mocked program declared, as the rules read it. A property that holds the id or
    ARN the mocks gave another resource links to it, as the engine's property dependencies do
    in the pack (a bucket's public access block names the bucket by its id)."""
    if id(deployment) not in _AS_DECLARED:
        keys = {
            value: Resource(record.type, record.name, {}).key
            for record in deployment.resources
            for value in (record.outputs.get("id"), record.outputs.get("arn"))
            if isinstance(value, str)
        }
        _AS_DECLARED[id(deployment)] = [
            Resource(
                record.type,
                record.name,
                record.inputs,
                protect=bool(record.options.get("protect")),
                retain_on_delete=bool(record.options.get("retainOnDelete")),
                links=links(record.inputs, keys),
            )
            for record in deployment.resources
        ]
    return _AS_DECLARED[id(deployment)]


def links(inputs: dict, keys: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """The resources each input refers to, by the ids and ARNs in ``keys``."""
    found = {}
    for prop, value in inputs.items():
        values = value if isinstance(value, list) else [value]
        refs = tuple(keys[v] for v in values if isinstance(v, str) and v in keys)
        if refs:
            found[prop] = refs
    return found


def violations(rule: Rule, resources: list[Resource]) -> list[Violation]:
    """What ``rule`` finds in ``resources``: a stack rule reads them all, a resource rule each."""
    if rule.stack:
        return rule.check(resources)
    return [violation for resource in resources for violation in rule.check(resource)]


@pytest.fixture(scope="session", params=STACKS)
def declared(request) -> list[Resource]:
    """Each stack the suite builds, in turn, as the rules read it."""
    return as_declared(request.getfixturevalue(request.param))


def broken(resources: list[Resource], rules: tuple[Rule, ...] = RULES) -> list[str]:
    """The violations of mandatory rules no waiver covers; those of advisory rules become
    warnings, and disabled rules are not run (each rule's level is in policy/rules.py)."""
    found = []
    for rule in rules:
        if rule.level == DISABLED:
            continue
        ids = CONTROLS_BY_RULE.get(rule.name, ())
        messages = [
            cited(v.message, ids) for v in violations(rule, resources) if not waiver_for(v, WAIVERS)
        ]
        if rule.level == ADVISORY:
            for message in messages:
                warnings.warn(message, UserWarning, stacklevel=2)
        else:
            found += messages
    return found


def test_every_declared_resource_keeps_every_rule(declared):
    messages = broken(declared)
    assert not messages, "\n".join(messages)


def test_a_rule_below_mandatory_warns_or_is_not_run():
    def unnamed(resource):
        yield resource, "has no name", "name it"

    resources = [Resource("aws:sns/topic:Topic", "alarms", {})]
    at = {level: (Rule("named", "Names", unnamed, level=level),) for level in LEVELS}
    assert broken(resources, at[MANDATORY]) == [
        "aws:sns/topic:Topic 'alarms' has no name (rule named). Fix: name it"
    ]
    with pytest.warns(UserWarning, match="has no name"):
        assert broken(resources, at[ADVISORY]) == []
    assert broken(resources, at[DISABLED]) == []


def test_every_waiver_is_needed_by_a_declared_resource(request):
    # A waiver that nothing needs any more hides the next resource that matches it.
    used = {
        waiver_for(violation, WAIVERS)
        for deployment in map(request.getfixturevalue, STACKS)
        for rule in RULES
        for violation in violations(rule, as_declared(deployment))
    }
    unused = [f"{w.source}: {w.rule} for {w.type or w.name}" for w in WAIVERS if w not in used]
    assert not unused, f"waivers no declared resource needs: {unused}"
