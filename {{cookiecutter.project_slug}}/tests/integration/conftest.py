"""What the integration tests share: the deployed stack's outputs and AWS clients for its region.

They read ``cfn-outputs/flat-outputs.json``, written by ``scripts/deploy.sh`` after a deployment.
Without it every integration test is skipped, saying why.
"""

import json
import os
from pathlib import Path
from typing import Any

import boto3
import pytest

OUTPUTS_FILE = Path(os.environ.get("TAP_OUTPUTS_FILE", "cfn-outputs/flat-outputs.json"))


def decode(value: Any) -> Any:
    """A flat output as a value: strings holding JSON lists or objects are parsed."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


@pytest.fixture(scope="session")
def outputs() -> dict[str, Any]:
    """The deployed stack's outputs, or a skip when there is no deployment to test."""
    if not OUTPUTS_FILE.is_file():
        pytest.skip(f"no deployment outputs: {OUTPUTS_FILE} does not exist (run scripts/deploy.sh)")
    return {key: decode(value) for key, value in json.loads(OUTPUTS_FILE.read_text()).items()}


@pytest.fixture(scope="session")
def region(outputs) -> str | None:
    """The region the stack was deployed to: the one its exported ARNs name (the provider's,
    whatever configured it), else None, and boto3 finds it (AWS_REGION, the profile)."""
    for value in outputs.values():
        if isinstance(value, str) and value.startswith("arn:") and value.split(":")[3]:
            return value.split(":")[3]
    return None


@pytest.fixture(scope="session")
def aws(region):
    """A factory of boto3 clients for the stack's region: ``aws("lambda")``."""
    return lambda service: boto3.client(service, region_name=region)
