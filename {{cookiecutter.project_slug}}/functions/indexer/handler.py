"""The batch indexer: S3 calls it for every batch object the processor writes.

It records each object's metadata as one structured log line (searchable with CloudWatch Logs
Insights) and counts batches and bytes as embedded metrics in the project's namespace. It reads
only the event, so it needs no access to the bucket or the key.
"""

import re
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

PARTITION = re.compile(r"year=(?P<y>\d{4})/month=(?P<m>\d{2})/day=(?P<d>\d{2})/hour=(?P<h>\d{2})/")

logger = Logger()
tracer = Tracer()
metrics = Metrics()


def index_entry(record: S3EventRecord) -> dict[str, Any]:
    """What is worth knowing about one created object, from its S3 event record."""
    created = record.s3.get_object
    key = unquote_plus(created.key)  # S3 sends keys URL-encoded: a space as "+", "+" as "%2B"
    hour = PARTITION.search(key)
    return {
        "bucket": record.s3.bucket.name,
        "key": key,
        "size": created.size,
        "etag": created.etag,
        "version_id": created.version_id or "",
        "event_time": record.event_time,
        "partition": f"{hour['y']}-{hour['m']}-{hour['d']}T{hour['h']}" if hour else None,
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """Index every object of one S3 notification."""
    del context  # read by Powertools' decorators
    entries = [index_entry(record) for record in S3Event(event).records]
    for entry in entries:
        logger.info("batch indexed", extra=entry)
    metrics.add_metric(name="BatchesIndexed", unit="Count", value=len(entries))
    metrics.add_metric(name="BatchBytes", unit="Bytes", value=sum(e["size"] for e in entries))
    return {"indexed": len(entries)}
