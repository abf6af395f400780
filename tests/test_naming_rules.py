"""Property tests of the generated naming helper: random projects, suffixes, regions, accounts
and purposes always give names that every AWS service accepts, ending with the suffix, and
carrying the account and region where a name must be unique beyond one region."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.matrix import COMMERCIAL_REGIONS, COOKIECUTTER_JSON

SLUGS = st.from_regex(re.compile(COOKIECUTTER_JSON["_slug_pattern"]), fullmatch=True)
SUFFIXES = st.from_regex(re.compile(COOKIECUTTER_JSON["_suffix_pattern"]), fullmatch=True)
PURPOSES = st.from_regex(re.compile(r"[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,15}"), fullmatch=True)
# Every region AWS offers today, and any other name the region answer's pattern accepts.
REGIONS = st.sampled_from(COMMERCIAL_REGIONS) | st.from_regex(
    re.compile(COOKIECUTTER_JSON["_region_pattern"]), fullmatch=True
)
ACCOUNTS = st.from_regex(re.compile(r"[0-9]{12}"), fullmatch=True)
# The longest answers the template accepts: slug 30, suffix 12, and the longest region today.
LONGEST_SLUG = "l" + "o" * 28 + "g"
LONGEST_SUFFIX = "pr1234567890"
LONGEST_REGION = max(COMMERCIAL_REGIONS, key=len)


@pytest.fixture(scope="module")
def naming(bake):
    """The naming module of a freshly baked project."""
    path = bake("serverless-api-defaults").project_path / "lib" / "naming.py"
    spec = importlib.util.spec_from_file_location("generated_naming", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


@settings(max_examples=300, deadline=None)
@given(project=SLUGS, suffix=SUFFIXES, purpose=PURPOSES, region=REGIONS, account=ACCOUNTS)
@example(
    project=LONGEST_SLUG,
    suffix=LONGEST_SUFFIX,
    purpose="processor-dlq",
    region=LONGEST_REGION,
    account="123456789012",
)
def test_every_name_is_valid_for_its_service(naming, project, suffix, purpose, region, account):
    namer = naming.Namer(project, suffix, region=region, account_id=account)
    for kind, rule in naming.NAME_RULES.items():
        for name_region in (None, region):
            name = namer.name(kind, purpose, region=name_region)
            assert name == naming.Namer(project, suffix, region=region, account_id=account).name(
                kind, purpose, region=name_region
            )
            assert len(name) <= rule.max_length, (kind, name)
            if rule.scope == naming.GLOBAL:
                assert name.endswith(f"-{account}-{region}-{suffix}"), (kind, name)
            if rule.scope == naming.ACCOUNT:
                assert name.endswith(f"-{naming.region_code(region)}-{suffix}"), (kind, name)
            assert re.fullmatch(rule.pattern, name), (kind, name)
            assert name.startswith(rule.prefix)
            assert name.endswith(suffix.replace("-", rule.separator)), (kind, name)
            if rule.lowercase:
                assert name == name.lower(), (kind, name)


@settings(max_examples=200, deadline=None)
@given(first=SLUGS, second=SLUGS, suffix=SUFFIXES)
def test_different_projects_never_share_a_name(naming, first, second, suffix):
    if first == second:
        return
    where = {"region": "us-east-1", "account_id": "123456789012"}
    for kind in ("alb", "target_group", "lambda_function", "s3_bucket", "rds_cluster", "iam_role"):
        assert naming.Namer(first, suffix, **where).name(kind, "svc") != naming.Namer(
            second, suffix, **where
        ).name(kind, "svc")


def test_every_commercial_region_has_its_own_short_code(naming):
    # IAM names carry the code, so two regions sharing one would collide again.
    regions = COMMERCIAL_REGIONS
    codes = {naming.region_code(region) for region in regions}
    assert len(codes) == len(regions)
    assert max(len(code) for code in codes) <= 6


@settings(max_examples=200, deadline=None)
@given(suffix=st.text(max_size=20))
def test_a_suffix_outside_the_rule_is_always_refused(naming, suffix):
    if re.fullmatch(COOKIECUTTER_JSON["_suffix_pattern"], suffix):
        assert naming.validate_suffix(suffix) == suffix
    else:
        with pytest.raises(naming.NamingError):
            naming.validate_suffix(suffix)
