"""The indexer: invoked by this bucket only, for objects created under the processed prefix."""

from lib.stream_pipeline.stream_processor import PROCESSED_PREFIX
from tests.unit.mocks import ACCOUNT_ID


def test_objects_created_under_the_processed_prefix_invoke_the_indexer(stack):
    notification = stack.one("aws:s3/bucketNotification:BucketNotification").inputs
    assert notification["bucket"] == stack.one("aws:s3/bucket:Bucket").outputs["id"]
    assert notification["lambdaFunctions"] == [
        {
            "lambdaFunctionArn": stack.one("aws:lambda/function:Function", "indexer").outputs[
                "arn"
            ],
            "events": ["s3:ObjectCreated:*"],
            "filterPrefix": PROCESSED_PREFIX,
        }
    ]


def test_only_this_bucket_in_this_account_may_invoke_the_indexer(stack):
    permission = stack.one("aws:lambda/permission:Permission", "indexer").inputs
    assert permission["principal"] == "s3.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert (
        permission["function"]
        == stack.one("aws:lambda/function:Function", "indexer").inputs["name"]
    )
    assert permission["sourceArn"] == stack.one("aws:s3/bucket:Bucket").outputs["arn"]
    assert permission["sourceAccount"] == ACCOUNT_ID
