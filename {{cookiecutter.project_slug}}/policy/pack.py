"""The rules as pulumi_policy policies: the thin adapter between the SDK's arguments and the
rules' own input type (policy/model.py). ``__main__.py`` serves these to the engine.

During a preview, a property whose value is not known yet (the ARN of a resource still to be
created) raises pulumi_policy's UnknownValueError when a rule reads it: the SDK then reports
that the rule could not run, and the same rule runs with the real value during ``pulumi up``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from lib.config import PROJECT
from policy.controls import Control, cited, controls_by_rule
from policy.model import Resource
from policy.rules import RULES, Rule
from policy.waivers import Waiver, unwaived

PACK_NAME = f"{PROJECT}-guardrails"


def resource_of(args: ResourceValidationArgs) -> Resource:
    """The resource a resource policy is asked about."""
    return Resource(
        args.resource_type, args.name, args.props, key=args.urn, protect=bool(args.opts.protect)
    )


def stack_resource_of(resource: PolicyResource) -> Resource:
    """One resource of the stack a stack policy is asked about, with the resources each of its
    properties depends on (the engine's property dependencies) as its links."""
    links = {
        prop: tuple(dependency.urn for dependency in dependencies)
        for prop, dependencies in resource.property_dependencies.items()
    }
    return Resource(
        resource.resource_type,
        resource.name,
        resource.props,
        key=resource.urn,
        protect=bool(resource.opts.protect),
        links=links,
    )


def policy_of(rule: Rule, waivers: Sequence[Waiver], control_ids: Sequence[str] = ()) -> Policy:
    """``rule`` as a pulumi_policy policy at its level, reporting what no waiver covers; its
    description and each violation name ``control_ids``, the Security Hub controls it keeps."""
    level = EnforcementLevel(rule.level)
    description = cited(rule.description, control_ids)
    if rule.stack:

        def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
            resources = [stack_resource_of(resource) for resource in args.resources]
            for violation in unwaived(rule.check(resources), waivers):
                report(cited(violation.message, control_ids), violation.resource.key)

        return StackValidationPolicy(
            name=rule.name,
            description=description,
            validate=validate_stack,
            enforcement_level=level,
        )

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        for violation in unwaived(rule.check(resource_of(args)), waivers):
            report(cited(violation.message, control_ids), None)

    return ResourceValidationPolicy(
        name=rule.name, description=description, validate=validate, enforcement_level=level
    )


def policies(waivers: Sequence[Waiver], controls: Sequence[Control] = ()) -> list[Policy]:
    """Every rule of RULES as a policy, in the table's order, citing the ``controls`` (of
    policy/controls.py) it enforces."""
    by_rule = controls_by_rule(controls)
    return [policy_of(rule, waivers, by_rule.get(rule.name, ())) for rule in RULES]
