"""The prompts are the template's public interface: people script them with --no-input."""

from tests.matrix import COOKIECUTTER_JSON, REGIONS

PUBLIC_KEYS = (
    "project_name",
    "project_slug",
    "description",
    "owner",
    "stack_variant",
    "aws_region",
    "environment_suffix",
    "alarm_email",
    "enable_xray",
    "run_unit_tests",
)
COMMERCIAL_REGIONS = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
    "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
    "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
    "eu-north-1", "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1",
}  # fmt: skip


def prompted_keys():
    return [key for key in COOKIECUTTER_JSON if not key.startswith("_")]


def test_every_public_key_is_kept():
    for key in PUBLIC_KEYS:
        assert key in COOKIECUTTER_JSON, key


def test_every_prompt_has_a_human_label():
    prompts = COOKIECUTTER_JSON["__prompts__"]
    for key in prompted_keys():
        assert key in prompts, f"{key} has no __prompts__ label"
        label = prompts[key]["__prompt__"] if isinstance(prompts[key], dict) else prompts[key]
        assert len(label) > 10, key


def test_every_choice_has_a_human_label():
    prompts = COOKIECUTTER_JSON["__prompts__"]
    for key in prompted_keys():
        if isinstance(COOKIECUTTER_JSON[key], list) and key != "aws_region":
            for choice in COOKIECUTTER_JSON[key]:
                assert choice in prompts[key], f"{key} choice {choice} has no label"


def test_regions_are_every_commercial_region_with_us_east_1_first():
    regions = COOKIECUTTER_JSON["aws_region"]
    assert regions[0] == "us-east-1"
    assert set(regions) == COMMERCIAL_REGIONS
    assert set(REGIONS) <= set(regions)


def test_defaults_are_the_documented_ones():
    assert COOKIECUTTER_JSON["environment_suffix"] == "dev"
    assert COOKIECUTTER_JSON["alarm_email"] == ""
    assert COOKIECUTTER_JSON["enable_xray"] is True
    assert COOKIECUTTER_JSON["run_unit_tests"] is True
    assert COOKIECUTTER_JSON["stack_variant"][0] == "serverless-api"
