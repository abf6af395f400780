"""Physical names: valid for every service, always carrying the project and the suffix."""

import re

import pytest

from lib.naming import (
    NAME_RULES,
    PROVIDER_UNIQUE_SUFFIX_LENGTH,
    Namer,
    NamingError,
    fit_name,
    region_code,
    validate_project,
    validate_suffix,
)

LONGEST_PROJECT = "a" + "b" * 28 + "c"  # the longest slug the template accepts (30)
ACCOUNT = "123456789012"


@pytest.mark.parametrize("suffix", ["dev", "prod", "pr12345", "abcdefghijkl"])
def test_every_kind_of_name_fits_its_service_with_the_longest_project(suffix):
    namer = Namer(LONGEST_PROJECT, suffix, region="ap-southeast-2", account_id=ACCOUNT)
    for kind, rule in NAME_RULES.items():
        name = namer.name(kind, "purpose")
        assert len(name) <= rule.max_length, (kind, name)
        assert re.fullmatch(rule.pattern, name), (kind, name)
        assert name.endswith(suffix), (kind, name)


def test_short_names_are_project_purpose_suffix():
    assert Namer("shop", "dev").name("lambda_function", "api") == "shop-api-dev"


def test_bucket_names_carry_the_account_and_the_region_before_the_suffix():
    # S3: bucket names are global across all AWS accounts, so another team's stack with the
    # same slug and suffix must get a different name.
    namer = Namer("shop", "pr12", region="eu-west-1", account_id=ACCOUNT)
    assert namer.name("s3_bucket", "data") == f"shop-data-{ACCOUNT}-eu-west-1-pr12"
    assert namer.name("s3_bucket", "data", region="us-west-2") == (
        f"shop-data-{ACCOUNT}-us-west-2-pr12"
    )


def test_a_bucket_name_without_the_account_is_refused():
    with pytest.raises(NamingError, match="need the account id and the region"):
        Namer("shop", "dev", region="eu-west-1").name("s3_bucket", "data")


def test_iam_names_carry_the_region_code():
    # IAM: role and policy names are unique in the account across every region, so the same
    # stack in a second region must not reuse them (EntityAlreadyExists).
    east = Namer("shop", "dev", region="us-east-1")
    assert east.name("iam_role", "api") == "shop-api-use1-dev"
    assert east.name("iam_policy", "api") == "shop-api-use1-dev"
    assert Namer("shop", "dev", region="ap-southeast-5").name("iam_role", "api") == (
        "shop-api-apse5-dev"
    )
    with pytest.raises(NamingError, match="need the region"):
        Namer("shop", "dev").name("iam_role", "api")


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("us-east-1", "use1"),
        ("eu-central-2", "euc2"),
        ("ap-northeast-3", "apne3"),
        ("ap-south-1", "aps1"),
        ("ap-southeast-1", "apse1"),
        ("us-gov-west-1", "usgovw1"),
    ],
)
def test_region_codes_are_area_direction_initials_and_number(region, code):
    assert region_code(region) == code


def test_regional_names_stay_project_purpose_suffix():
    namer = Namer("shop", "dev", region="eu-west-1", account_id=ACCOUNT)
    assert namer.name("lambda_function", "api") == "shop-api-dev"
    assert namer.name("api_dashboard", "") == "TAP-API-shop-dev"


def test_a_long_name_keeps_purpose_and_suffix_and_gains_a_hash():
    name = Namer(LONGEST_PROJECT, "pr12345").name("alb", "alb")
    assert len(name) == 32
    assert name.endswith("-alb-pr12345")
    assert name.startswith(LONGEST_PROJECT[:8])


def test_shortened_names_stay_distinct_and_stable():
    first = fit_name(["a" * 40 + "x", "alb", "dev"], 32)
    second = fit_name(["a" * 40 + "y", "alb", "dev"], 32)
    assert first != second
    assert first == fit_name(["a" * 40 + "x", "alb", "dev"], 32)


def test_a_purpose_longer_than_the_limit_is_cut_but_the_suffix_stays_whole():
    name = fit_name(["proj", "p" * 40, "dev"], 32)
    assert len(name) == 32
    assert name.startswith("proj-ppp")
    assert name.endswith("-dev")


def test_kms_aliases_start_with_alias_prefix():
    assert Namer("shop", "dev").name("kms_alias", "data") == "alias/shop-data-dev"


def test_log_group_names_follow_the_service_path():
    assert Namer("shop", "dev").log_group("lambda", "shop-api-dev") == "/aws/lambda/shop-api-dev"


def test_an_invalid_log_group_name_is_refused():
    with pytest.raises(NamingError):
        Namer("shop", "dev").log_group("lambda", "bad name")


def test_a_name_that_breaks_its_rule_is_refused():
    with pytest.raises(NamingError):
        Namer("shop", "dev").name("lambda_function", "with space")


def test_metric_namespace_is_project_and_suffix():
    assert Namer("shop", "pr7").metric_namespace() == "shop/pr7"


@pytest.mark.parametrize("suffix", ["", "Prod", "prod!", "1dev", "dev-1", "abcdefghijklm", "dev\n"])
def test_suffixes_that_are_unsafe_in_aws_names_are_refused(suffix):
    with pytest.raises(NamingError, match="must be 1-12 lowercase letters or digits"):
        validate_suffix(suffix)


@pytest.mark.parametrize(
    "project", ["ab", "-shop", "shop-", "sh--op", "Shop", "a" * 31, "shop\n", "sg-shop"]
)
def test_invalid_project_slugs_are_refused(project):
    with pytest.raises(NamingError):
        validate_project(project)


def test_a_name_derived_from_replacing_inputs_changes_with_each_of_them():
    namer = Namer(LONGEST_PROJECT, "pr12345")
    inputs = (8080, "HTTP", "ip", "vpc-1")
    name = namer.replaceable_name("target_group", "web", *inputs)
    assert name == namer.replaceable_name("target_group", "web", *inputs)
    assert len(name) <= NAME_RULES["target_group"].max_length
    assert name.endswith("-pr12345")
    changed = set()
    for index in range(len(inputs)):
        other = list(inputs)
        other[index] = "other"
        changed.add(namer.replaceable_name("target_group", "web", *other))
    assert name not in changed
    assert len(changed) == len(inputs)


@pytest.mark.parametrize("kind", ["security_group", "db_subnet_group", "db_parameter_group"])
def test_a_name_prefix_leaves_room_for_the_providers_unique_suffix(kind):
    rule = NAME_RULES[kind]
    prefix = Namer(LONGEST_PROJECT, "pr12345").name_prefix(kind, "purpose")
    assert prefix.endswith("-pr12345-")
    generated = prefix + "9" * PROVIDER_UNIQUE_SUFFIX_LENGTH
    assert len(generated) <= rule.max_length
    assert re.fullmatch(rule.pattern, generated)
    short = Namer("tap", "dev").name_prefix("rds_cluster", "db")
    assert short == "tap-db-dev-"
    assert len(Namer(LONGEST_PROJECT, "pr12345").name_prefix("rds_cluster", "db")) <= 63 - 26


def test_a_prefix_that_breaks_its_rule_is_refused():
    with pytest.raises(NamingError, match="name prefix"):
        Namer("tap", "dev").name_prefix("rds_cluster", "bad.purpose")
