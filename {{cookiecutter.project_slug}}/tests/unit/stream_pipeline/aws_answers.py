"""What AWS computes for the stream pipeline's SQS queue, for tests/unit/mocks.py."""

from __future__ import annotations

from typing import Any

from tests.unit.mocks import ACCOUNT_ID


def computed(
    type_token: str, name: str, physical: str, inputs: dict[str, Any], region: str, resource_id: str
) -> dict[str, Any]:
    """A queue's ARN and URL."""
    del name, inputs, resource_id
    if type_token != "aws:sqs/queue:Queue":
        return {}
    return {
        "arn": f"arn:aws:sqs:{region}:{ACCOUNT_ID}:{physical}",
        "url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{physical}",
    }


def answer(token: str, args: dict[str, Any], region: str) -> dict[str, Any] | None:
    """The stream pipeline calls no provider function of its own."""
    del token, args, region
    return None
