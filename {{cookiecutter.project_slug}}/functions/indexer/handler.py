"""The batch indexer: S3 calls it for every batch object the processor writes.

It records each object's metadata as one structured log line (searchable with CloudWatch Logs
Insights) and counts batches and bytes in the project's metric namespace. It reads only the
event, so it needs no access to the bucket or the key.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import unquote_plus

ENVIRONMENT = os.environ.get("ENVIRONMENT", "local")
FUNCTION_NAME = os.environ.get("FUNCTION_NAME", "indexer")
METRIC_NAMESPACE = os.environ.get("METRIC_NAMESPACE", "")
PARTITION = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/")

LOGGER = logging.getLogger(FUNCTION_NAME)
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

_metrics_client = None


def metrics_client():
    """The CloudWatch client, created on first use and kept for the execution environment."""
    global _metrics_client  # noqa: PLW0603 - one client per execution environment
    if _metrics_client is None:
        import boto3  # noqa: PLC0415 - keeps module import (and cold starts) light

        _metrics_client = boto3.client("cloudwatch")
    return _metrics_client


def index_entry(record: dict[str, Any]) -> dict[str, Any]:
    """What is worth knowing about one created object, from its S3 event record."""
    s3 = record["s3"]
    key = unquote_plus(s3["object"]["key"])
    partition = PARTITION.search(key)
    return {
        "bucket": s3["bucket"]["name"],
        "key": key,
        "size": s3["object"].get("size", 0),
        "etag": s3["object"].get("eTag", ""),
        "version_id": s3["object"].get("versionId", ""),
        "event_time": record["eventTime"],
        "partition": "{}-{}-{}T{}".format(*partition.groups()) if partition else None,
    }


def record_metrics(entries: list[dict[str, Any]]) -> None:
    """Count the batches and their bytes in the project's namespace."""
    dimensions = [{"Name": "Environment", "Value": ENVIRONMENT}]
    metrics_client().put_metric_data(
        Namespace=METRIC_NAMESPACE,
        MetricData=[
            {
                "MetricName": "BatchesIndexed",
                "Dimensions": dimensions,
                "Unit": "Count",
                "Value": len(entries),
            },
            {
                "MetricName": "BatchBytes",
                "Dimensions": dimensions,
                "Unit": "Bytes",
                "Value": sum(entry["size"] for entry in entries),
            },
        ],
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Index every object of one S3 notification."""
    del context
    entries = [index_entry(record) for record in event.get("Records", [])]
    for entry in entries:
        LOGGER.info("batch indexed", extra=entry)
    if entries and METRIC_NAMESPACE:
        record_metrics(entries)
    return {"indexed": len(entries)}
