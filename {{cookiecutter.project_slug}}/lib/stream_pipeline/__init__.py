"""The stream-pipeline stack: an ingest API onto Kinesis, a processor writing batches to an S3
data lake, an indexer, and their alarms."""
