"""The pack around the rules: the adapter from pulumi_policy's arguments, the program Pulumi runs,
the waiver files, and what the README and the requirements say about them."""

import re
import runpy
from importlib.metadata import version
from unittest.mock import patch

import pulumi_policy
import pytest
import yaml
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_NUMBER_VALUE, UnknownValueError, unknown_checking_proxy

from policy.controls import ControlError, controls_by_rule, load_controls
from policy.model import Resource, Violation
from policy.pack import PACK_NAME, policies, policy_of
from policy.rules import RULES
from policy.waivers import Waiver, WaiverError, load_waivers, parse_waivers, waiver_files
from tests.unit.mocks import TAP_PROGRAM

PROJECT_DIR = TAP_PROGRAM.parent
POLICY_DIR = PROJECT_DIR / "policy"
RULE = {rule.name: rule for rule in RULES}
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
METHOD = "aws:apigateway/method:Method"
BUCKET = "aws:s3/bucket:Bucket"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ALL_BLOCKED = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}


def urn(type_token, name):
    return f"urn:pulumi:dev::TapStack::{type_token}::{name}"


def options(protect=False):
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def resource_args(type_token, name, props):
    """What the engine hands a resource policy for one resource."""
    return ResourceValidationArgs(type_token, props, urn(type_token, name), name, options(), None)


def stack_resource(type_token, name, props, **depends_on):
    """One resource of what the engine hands a stack policy; ``depends_on`` maps a property to
    the resources its value came from."""
    return PolicyResource(
        type_token, props, urn(type_token, name), name, options(), None, None, [], depends_on
    )


def reports(policy, args):
    """What ``policy`` reports for ``args``, as (message, urn) pairs."""
    reported = []
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_a_resource_policy_reports_what_its_rule_finds():
    policy = policy_of(RULE["log-retention"], ())
    assert reports(policy, resource_args(LOG_GROUP, "logs", {"retentionInDays": 30})) == []
    ((message, _),) = reports(policy, resource_args(LOG_GROUP, "logs", {"name": "/aws/x"}))
    assert message.startswith(f"{LOG_GROUP} 'logs' keeps its events forever")
    assert "(rule log-retention). Fix: " in message


def test_a_violation_names_the_security_hub_controls_its_rule_enforces():
    policy = policy_of(RULE["log-retention"], (), ("CloudWatch.16",))
    ((message, _),) = reports(policy, resource_args(LOG_GROUP, "logs", {"name": "/aws/x"}))
    assert message.endswith("(Security Hub CloudWatch.16)")
    assert policy.description == f"{RULE['log-retention'].description} (Security Hub CloudWatch.16)"


def test_a_waived_violation_is_not_reported():
    method = resource_args(METHOD, "items-post", {"httpMethod": "POST", "authorization": "NONE"})
    waiver = Waiver("api-methods-authorized", "public by design", "the owners", type=METHOD)
    assert len(reports(policy_of(RULE["api-methods-authorized"], ()), method)) == 1
    assert reports(policy_of(RULE["api-methods-authorized"], (waiver,)), method) == []


def test_a_stack_policy_links_resources_by_the_engines_property_dependencies():
    policy = policy_of(RULE["s3-public-access-blocked"], ())
    bucket = stack_resource(BUCKET, "data", {"bucket": "shop-data"})
    block = stack_resource(BLOCK, "data-block", {"bucket": "shop-data", **ALL_BLOCKED})
    linked = stack_resource(BLOCK, "data-block", dict(block.props), bucket=[bucket])
    assert reports(policy, StackValidationArgs([bucket, linked])) == []
    ((message, reported_urn),) = reports(policy, StackValidationArgs([bucket, block]))
    assert "has no public access block" in message
    assert reported_urn == bucket.urn


def test_a_value_a_preview_cannot_know_is_left_to_the_sdk_to_report():
    # pulumi_policy reports "can't run policy ... during preview" and runs it again on `up`.
    props = unknown_checking_proxy({"retentionInDays": UNKNOWN_NUMBER_VALUE})
    with pytest.raises(UnknownValueError):
        reports(policy_of(RULE["log-retention"], ()), resource_args(LOG_GROUP, "logs", props))


def test_the_pack_offers_every_rule_at_its_level():
    offered = policies(())
    assert [policy.name for policy in offered] == [rule.name for rule in RULES]
    for policy, rule in zip(offered, RULES, strict=True):
        kind = StackValidationPolicy if rule.stack else ResourceValidationPolicy
        assert isinstance(policy, kind)
        assert policy.enforcement_level == EnforcementLevel(rule.level)
        assert policy.description == rule.description


def run_pack():
    """Run policy/ as Pulumi does, with a PolicyPack that records its arguments instead of
    serving them (the real one never returns)."""
    built = {}
    with patch.object(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs)):
        runpy.run_path(str(POLICY_DIR), run_name="__main__")
    return built


def test_pulumi_runs_a_pack_of_every_rule_and_the_projects_waivers():
    built = run_pack()
    assert built["name"] == PACK_NAME
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", PACK_NAME)
    assert built["enforcement_level"] == EnforcementLevel.MANDATORY
    assert [policy.name for policy in built["policies"]] == [rule.name for rule in RULES]


def test_a_bad_waiver_stops_the_pack_with_one_line():
    refusal = WaiverError("lib/x/waivers.toml: waiver 1 lacks ['reason']")
    with patch("policy.waivers.load_waivers", side_effect=refusal):
        with pytest.raises(SystemExit) as stopped:
            run_pack()
    assert str(stopped.value) == "error: lib/x/waivers.toml: waiver 1 lacks ['reason']"


def test_a_bad_control_stops_the_pack_with_one_line():
    refusal = ControlError("lib/x/controls.toml: control S3.5 is met but lacks ['how']")
    with patch("policy.controls.load_controls", side_effect=refusal):
        with pytest.raises(SystemExit) as stopped:
            run_pack()
    assert str(stopped.value) == f"error: {refusal}"


def test_pulumi_runs_rules_that_name_the_controls_they_enforce():
    built = run_pack()
    by_rule = controls_by_rule(load_controls())
    assert by_rule
    for policy in built["policies"]:
        for control_id in by_rule.get(policy.name, ()):
            assert control_id in policy.description, policy.name


VALID = (
    '[[waiver]]\nrule = "log-retention"\nname = "*-audit-logs"\nreason = "r"\ndecided_by = "d"\n'
)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("[[waiver]\n", "policy/waivers.toml is not valid TOML"),
        ("waivers = []\n", "policy/waivers.toml must hold only [[waiver]] tables"),
        (VALID.replace('reason = "r"', 'reason = ""'), "waiver 1 lacks ['reason']"),
        (VALID.replace('decided_by = "d"\n', ""), "waiver 1 lacks ['decided_by']"),
        (VALID + 'until = "2027"\n', "waiver 1 has unknown fields ['until']"),
        (
            VALID.replace('"log-retention"', '"log-rentention"'),
            "'log-rentention', which is no rule",
        ),
        (VALID.replace('name = "*-audit-logs"\n', ""), "names neither a resource type nor a name"),
        (VALID.replace('reason = "r"', "reason = 1"), "every field must be text"),
    ],
)
def test_a_waiver_the_pack_cannot_apply_is_refused_naming_its_file(text, refusal):
    with pytest.raises(WaiverError, match=re.escape(refusal)):
        parse_waivers(text, "policy/waivers.toml")


def test_each_lib_folder_adds_its_own_waivers_by_folder(tmp_path):
    (tmp_path / "lib" / "audit").mkdir(parents=True)
    (tmp_path / "lib" / "audit" / "waivers.toml").write_text(VALID)
    (waiver,) = load_waivers(tmp_path)
    assert waiver.source == "lib/audit/waivers.toml"
    logs = Resource(LOG_GROUP, "TapStack-audit-logs", {})
    assert waiver.covers(Violation("log-retention", logs, "keeps", "fix"))
    assert not waiver.covers(
        Violation("log-retention", Resource(LOG_GROUP, "app-logs", {}), "", "")
    )
    assert not waiver.covers(Violation("standard-tags", logs, "lacks", "fix"))


def test_the_pack_runs_in_the_projects_virtualenv_with_a_version():
    pack = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert pack["runtime"]["name"] == "python"
    assert "main" not in pack  # Pulumi runs the folder's __main__.py
    assert re.fullmatch(r"\d+\.\d+\.\d+", pack["version"])
    # Pulumi resolves runtime.options.virtualenv against the file's own folder.
    virtualenv = POLICY_DIR / pack["runtime"]["options"]["virtualenv"]
    assert (
        virtualenv.resolve()
        == (PROJECT_DIR / project["runtime"]["options"]["virtualenv"]).resolve()
    )


def test_the_policy_sdk_is_pinned_once_and_installed_at_that_release():
    pinned = re.search(
        r"^pulumi-policy==(\S+)$", (POLICY_DIR / "requirements.txt").read_text(), re.M
    )
    assert pinned, "policy/requirements.txt must pin pulumi-policy"
    dev = (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines()
    assert "-r policy/requirements.txt" in dev
    lock = (PROJECT_DIR / "requirements-dev.lock").read_text()
    assert re.findall(r"^pulumi-policy==(\S+)", lock, re.M) == [pinned[1]]
    assert version("pulumi-policy") == pinned[1]


def readme():
    return (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_the_readme_lists_every_rule_at_its_level():
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \| (.+) \|$", readme(), re.MULTILINE)
    assert rows == [(rule.name, rule.level, rule.description) for rule in RULES]


def test_the_readme_shows_each_waivers_file_as_it_is():
    for path in waiver_files():
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(PROJECT_DIR).as_posix()
        shown = f"`{relative}`:\n\n```toml\n{text}```\n" in readme()
        assert shown == ("[[waiver]]" in text), f"README.md should show {relative} as it is"
