"""Tags: the required five on every taggable resource, plus the user's own."""

import pytest

from lib.tagging import REQUIRED_TAG_KEYS, TaggingError, standard_tags, with_name
from tests.unit.mocks import accepts_tags

BASE = {"project": "shop", "environment": "dev", "owner": "team-a", "region": "us-east-1"}


def test_standard_tags_are_the_required_five():
    tags = standard_tags(**BASE)
    assert tags == {
        "Environment": "dev",
        "Project": "shop",
        "Owner": "team-a",
        "ManagedBy": "Pulumi",
        "Region": "us-east-1",
    }


def test_user_tags_are_added():
    assert standard_tags(**BASE, extra={"CostCenter": "1234"})["CostCenter"] == "1234"


@pytest.mark.parametrize(
    "extra",
    [
        {"Owner": "someone-else"},
        {"aws:thing": "x"},
        {"": "x"},
        {"Key": "bad'quote"},
        {"k" * 129: "x"},
    ],
)
def test_user_tags_cannot_override_required_tags_or_break_aws_rules(extra):
    with pytest.raises(TaggingError):
        standard_tags(**BASE, extra=extra)


def test_an_owner_aws_would_refuse_is_refused():
    with pytest.raises(TaggingError):
        standard_tags(**{**BASE, "owner": "team\n"})


def test_with_name_adds_a_name_tag():
    assert with_name({"A": "b"}, "vpc-dev") == {"A": "b", "Name": "vpc-dev"}


def test_every_taggable_resource_carries_the_required_tags(stack):
    taggable = [r for r in stack.resources if accepts_tags(r.type)]
    assert taggable, "the stack declares no taggable resource"
    for resource in taggable:
        tags = resource.inputs.get("tags") or {}
        missing = [key for key in REQUIRED_TAG_KEYS if key not in tags]
        assert not missing, f"{resource.type} {resource.name} lacks tags {missing}"
        assert tags["Environment"] == stack.args.environment_suffix
        assert tags["ManagedBy"] == "Pulumi"


def test_user_tags_reach_every_taggable_resource(pr_stack):
    for resource in pr_stack.resources:
        if accepts_tags(resource.type):
            assert resource.inputs["tags"]["CostCenter"] == "cc-42", resource.name


def test_components_are_not_mistaken_for_taggable_resources():
    assert not accepts_tags("tap:stack:TapStack")
    assert accepts_tags("aws:kms/key:Key")
    assert not accepts_tags("aws:kms/alias:Alias")
