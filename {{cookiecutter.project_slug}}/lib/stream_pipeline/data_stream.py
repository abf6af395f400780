"""The Kinesis data stream every ingested event travels through, encrypted with the stack's key."""

from __future__ import annotations

import pulumi
from pulumi_aws import kinesis

from lib.context import StackContext
from lib.stream_pipeline.tiers import StreamTier


class DataStream(pulumi.ComponentResource):
    """A KMS-encrypted stream: on-demand capacity, or the tier's shards when it sets a count."""

    def __init__(
        self,
        name: str,
        ctx: StackContext,
        *,
        tier: StreamTier,
        kms_key_arn: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:stream:DataStream", name, None, opts)
        provisioned = tier.stream_shard_count is not None
        self.stream = kinesis.Stream(
            f"{name}-stream",
            name=ctx.namer.name("kinesis_stream", "events"),
            retention_period=tier.stream_retention_hours,
            stream_mode_details=kinesis.StreamStreamModeDetailsArgs(
                stream_mode="PROVISIONED" if provisioned else "ON_DEMAND"
            ),
            shard_count=tier.stream_shard_count,
            encryption_type="KMS",
            kms_key_id=kms_key_arn,
            # Registered consumers must not keep the stream from being destroyed.
            enforce_consumer_deletion=True,
            tags=ctx.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = self.stream.name
        self.arn = self.stream.arn
        self.register_outputs({"stream_name": self.stream.name, "stream_arn": self.stream.arn})
