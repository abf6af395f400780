"""The indexer handler: one log line per batch object, and the batch metrics."""

import logging

import boto3
import pytest
from botocore.stub import Stubber

from functions.indexer import handler

KEY = "processed/year=2026/month=01/day=02/hour=03/req%3D1.jsonl"


def s3_record(key=KEY, size=2048):
    return {
        "eventTime": "2026-01-02T03:04:05.000Z",
        "s3": {
            "bucket": {"name": "shop-data-us-east-1-dev"},
            "object": {"key": key, "size": size, "eTag": "abc", "versionId": "v1"},
        },
    }


def test_an_entry_holds_the_objects_metadata_and_its_partition():
    assert handler.index_entry(s3_record()) == {
        "bucket": "shop-data-us-east-1-dev",
        "key": "processed/year=2026/month=01/day=02/hour=03/req=1.jsonl",
        "size": 2048,
        "etag": "abc",
        "version_id": "v1",
        "event_time": "2026-01-02T03:04:05.000Z",
        "partition": "2026-01-02T03",
    }


def test_a_key_outside_the_layout_has_no_partition():
    assert handler.index_entry(s3_record("processed/loose.jsonl"))["partition"] is None


@pytest.fixture(scope="module")
def cloudwatch_client():
    return boto3.client("cloudwatch", region_name="us-east-1")


@pytest.fixture
def cloudwatch(cloudwatch_client, monkeypatch):
    """The CloudWatch client, its answers stubbed, as the handler's metrics client."""
    client = cloudwatch_client
    monkeypatch.setattr(handler, "_metrics_client", client)
    monkeypatch.setattr(handler, "METRIC_NAMESPACE", "shop/dev")
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_every_batch_is_logged_and_counted_with_its_bytes(cloudwatch, caplog):
    dimensions = [{"Name": "Environment", "Value": handler.ENVIRONMENT}]
    cloudwatch.add_response(
        "put_metric_data",
        {},
        {
            "Namespace": "shop/dev",
            "MetricData": [
                {
                    "MetricName": "BatchesIndexed",
                    "Dimensions": dimensions,
                    "Unit": "Count",
                    "Value": 2,
                },
                {
                    "MetricName": "BatchBytes",
                    "Dimensions": dimensions,
                    "Unit": "Bytes",
                    "Value": 3072,
                },
            ],
        },
    )
    event = {"Records": [s3_record(), s3_record(KEY.replace("req", "other"), 1024)]}
    with caplog.at_level(logging.INFO, logger=handler.LOGGER.name):
        assert handler.handler(event, None) == {"indexed": 2}
    assert [(r.getMessage(), r.size, r.partition) for r in caplog.records] == [
        ("batch indexed", 2048, "2026-01-02T03"),
        ("batch indexed", 1024, "2026-01-02T03"),
    ]


def test_an_empty_notification_records_nothing(cloudwatch):
    assert handler.handler({"Records": []}, None) == {"indexed": 0}


def test_the_metrics_client_is_created_once(monkeypatch):
    monkeypatch.setattr(handler, "_metrics_client", None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    first = handler.metrics_client()
    assert handler.metrics_client() is first
