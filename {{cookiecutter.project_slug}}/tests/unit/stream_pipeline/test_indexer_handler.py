"""The indexer handler, called as Lambda calls it: an S3 notification as S3 sends it and a context
object. Each object gets one structured log line; the batch is counted in embedded metrics."""

import importlib
import io
import json
import sys

import pytest

NAMESPACE = "shop/dev"
BUCKET = "shop-data-us-east-1-dev"
PARTITION = "processed/year=2026/month=01/day=02/hour=03/"
ENVIRONMENT = {
    "POWERTOOLS_SERVICE_NAME": "indexer",
    "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def s3_record(key, size=2048):
    """One record of an ObjectCreated notification; S3 sends the key URL-encoded."""
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-01-02T03:04:05.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:shop-processor-dev"},
        "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUV"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "tf-s3-lambda-20260101000000000000000001",
            "bucket": {
                "name": BUCKET,
                "ownerIdentity": {"principalId": "A3NL1KOZZKExample"},
                "arn": f"arn:aws:s3:::{BUCKET}",
            },
            "object": {
                "key": key,
                "size": size,
                "eTag": "d41d8cd98f00b204e9800998ecf8427e",
                "versionId": "096fKKXTRTtl3on89fVO.nfljtsv6qko",
                "sequencer": "0055AED6DCD90281E5",
            },
        },
    }


@pytest.fixture(scope="module")
def indexer():
    """The handler module, imported with its function's environment, as Lambda starts it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENVIRONMENT.items():
            patch.setenv(name, value)
        name = "functions.indexer.handler"
        yield (
            importlib.reload(sys.modules[name])
            if name in sys.modules
            else importlib.import_module(name)
        )


@pytest.fixture
def logs(indexer, monkeypatch):
    """The JSON lines the handler logs."""
    stream = io.StringIO()
    monkeypatch.setattr(indexer.logger.registered_handler, "stream", stream)
    return lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("sent", "key"),
    [
        ("shardId-000000000000-4959.jsonl", "shardId-000000000000-4959.jsonl"),
        ("a+b.jsonl", "a b.jsonl"),  # a space
        ("a%2Bb.jsonl", "a+b.jsonl"),  # a plus sign
        ("r%C3%A9sum%C3%A9%3D1.jsonl", "résumé=1.jsonl"),  # unicode and reserved characters
    ],
)
def test_every_object_is_logged_under_its_real_key_with_its_partition(
    indexer, logs, lambda_context, sent, key
):
    assert indexer.handler({"Records": [s3_record(PARTITION + sent)]}, lambda_context) == {
        "indexed": 1
    }
    (line,) = logs()
    assert line["message"] == "batch indexed"
    assert line["service"] == "indexer"
    assert line["function_request_id"] == lambda_context.aws_request_id
    assert {name: line[name] for name in ("bucket", "key", "size", "partition")} == {
        "bucket": BUCKET,
        "key": PARTITION + key,
        "size": 2048,
        "partition": "2026-01-02T03",
    }
    assert line["etag"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert line["version_id"] == "096fKKXTRTtl3on89fVO.nfljtsv6qko"
    assert line["event_time"] == "2026-01-02T03:04:05.000Z"


def test_a_key_outside_the_layout_is_logged_without_a_partition(indexer, logs, lambda_context):
    indexer.handler({"Records": [s3_record("processed/loose+file.jsonl")]}, lambda_context)
    (line,) = logs()
    assert line["key"] == "processed/loose file.jsonl"
    assert "partition" not in line


def test_batches_and_their_bytes_are_counted_as_embedded_metrics(indexer, capsys, lambda_context):
    event = {"Records": [s3_record(PARTITION + "a.jsonl"), s3_record(PARTITION + "b.jsonl", 1024)]}
    assert indexer.handler(event, lambda_context) == {"indexed": 2}
    (emf,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["service"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "BatchesIndexed": "Count",
        "BatchBytes": "Bytes",
    }
    assert (emf["service"], emf["BatchesIndexed"], emf["BatchBytes"]) == (
        "indexer",
        [2.0],
        [3072.0],
    )
