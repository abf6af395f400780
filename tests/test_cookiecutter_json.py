"""The prompts are the template's public interface: people script them with --no-input."""

import re

import variant_manifest
from tests.matrix import COMMERCIAL_REGIONS, COOKIECUTTER_JSON, REGIONS

MANIFEST = variant_manifest.load()

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
    "environments",
    "vpc_cidr_base",
    "az_count",
    "container_image",
    "container_port",
    "domain_name",
    "api_auth",
    "ci",
)


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


def test_every_prompt_is_an_answer_some_variant_reads():
    # The manifest says which answers each variant reads; the prompts ask those and no others.
    read = {answer for variant in MANIFEST.variants for answer in MANIFEST.answers_of(variant)}
    assert read == set(prompted_keys())


def test_every_answer_with_few_values_defaults_to_one_and_its_question_names_them():
    prompts = COOKIECUTTER_JSON["__prompts__"]
    for key, choices in COOKIECUTTER_JSON["_choices"].items():
        assert key in prompted_keys(), key
        # Held and typed as text, so a typo reaches the pre-gen hook's one-line refusal.
        assert COOKIECUTTER_JSON[key] == choices[0], key
        assert all(choice in prompts[key] for choice in choices), key
    assert not [key for key in prompted_keys() if isinstance(COOKIECUTTER_JSON[key], list)]


def test_the_variant_default_is_the_manifests_first_variant():
    assert COOKIECUTTER_JSON["stack_variant"] == next(iter(MANIFEST.variants)) == "serverless-api"


def test_the_region_is_typed_by_name_and_its_pattern_takes_every_commercial_region():
    assert COOKIECUTTER_JSON["aws_region"] == "us-east-1"
    pattern = re.compile(COOKIECUTTER_JSON["_region_pattern"])
    assert [region for region in COMMERCIAL_REGIONS if not pattern.fullmatch(region)] == []
    assert set(REGIONS) <= set(COMMERCIAL_REGIONS)
    for other_partition in ("us-gov-west-1", "cn-north-1", "us-isob-east-1"):
        assert pattern.fullmatch(other_partition), other_partition
    for typo in ("eu-west", "euwest-1", "EU-WEST-1", "eu-west-1a", "eu_west_1", "mars-north-1"):
        assert not pattern.fullmatch(typo), typo


def test_every_pattern_has_a_rule_and_compiles():
    patterns = [key for key in COOKIECUTTER_JSON if key.endswith("_pattern")]
    assert {"_email_pattern", "_tag_text_pattern", "_region_pattern"} <= set(patterns)
    for key in patterns:
        re.compile(COOKIECUTTER_JSON[key])
        rule = COOKIECUTTER_JSON[key.removesuffix("_pattern") + "_rule"]
        assert len(rule) > 10, key


def test_defaults_are_the_documented_ones():
    assert COOKIECUTTER_JSON["environment_suffix"] == "dev"
    assert COOKIECUTTER_JSON["alarm_email"] == ""
    assert COOKIECUTTER_JSON["enable_xray"] is True
    assert COOKIECUTTER_JSON["run_unit_tests"] is True
    assert COOKIECUTTER_JSON["az_count"] == "2"
    assert COOKIECUTTER_JSON["ci"] == "github"
