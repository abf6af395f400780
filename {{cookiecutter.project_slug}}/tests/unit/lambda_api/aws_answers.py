"""What AWS computes for Lambda functions and REST APIs, and what SSM answers for the
Powertools layer, for tests/unit/mocks.py."""

from __future__ import annotations

import re
from typing import Any

from tests.unit.mocks import ACCOUNT_ID

# The account AWS publishes the Powertools layers from, and the names of their SSM parameters.
POWERTOOLS_ACCOUNT = "017000801446"
POWERTOOLS_PARAMETER = re.compile(
    r"/aws/service/powertools/python/(?P<arch>x86_64|arm64)/python3\.(?P<minor>\d+)/"
    r"(?P<version>\d+\.\d+\.\d+|latest)"
)


def computed(
    type_token: str, name: str, physical: str, inputs: dict[str, Any], region: str, resource_id: str
) -> dict[str, Any]:
    """The ARNs and URLs AWS gives a new function, REST API, stage, user pool or web ACL."""
    if type_token == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{physical}"
        return {
            "arn": arn,
            "invokeArn": (
                f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
            ),
        }
    if type_token == "aws:apigateway/restApi:RestApi":
        return {
            "rootResourceId": f"{name}-root",
            "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{resource_id}",
        }
    if type_token == "aws:cognito/userPool:UserPool":
        return {"arn": f"arn:aws:cognito-idp:{region}:{ACCOUNT_ID}:userpool/{resource_id}"}
    if type_token == "aws:apigateway/stage:Stage":
        api, stage = inputs.get("restApi"), inputs.get("stageName")
        return {
            "arn": f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}",
            "invokeUrl": f"https://{api}.execute-api.{region}.amazonaws.com/{stage}",
            "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api}/{stage}",
        }
    if type_token == "aws:wafv2/webAcl:WebAcl":
        scope = inputs.get("scope", "REGIONAL").lower()
        return {
            "arn": f"arn:aws:wafv2:{region}:{ACCOUNT_ID}:{scope}/webacl/{physical}/{resource_id}"
        }
    return {}


def answer(token: str, args: dict[str, Any], region: str) -> dict[str, Any] | None:
    """The public parameter AWS publishes for a Powertools layer; any other parameter name is
    missing, as ``ssm:GetParameter`` answers ParameterNotFound."""
    if token != "aws:ssm/getParameter:getParameter":
        return None
    name = args["name"]
    published = POWERTOOLS_PARAMETER.fullmatch(name)
    if not published:
        raise NotImplementedError(f"no SSM parameter {name}")
    layer = f"AWSLambdaPowertoolsPythonV3-python3{published['minor']}-{published['arch']}"
    arn = f"arn:aws:lambda:{region}:{POWERTOOLS_ACCOUNT}:layer:{layer}:27"
    return {"id": name, "name": name, "type": "String", "value": arn, "insecureValue": arn}
