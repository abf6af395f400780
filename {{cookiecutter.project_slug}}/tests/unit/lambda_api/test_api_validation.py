"""Request validation: every method that takes a body has API Gateway check it is a JSON object
before the function runs; the function still validates its fields."""

import json

from lib.lambda_api.api_validation import BODY_METHODS, JSON_OBJECT_SCHEMA, JSON_TYPE

METHOD = "aws:apigateway/method:Method"
MODEL = "aws:apigateway/model:Model"
VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"


def test_every_body_method_has_its_body_validated_against_the_json_object_model(each_stack):
    model = each_stack.one(MODEL)
    validator = each_stack.one(VALIDATOR)
    api = each_stack.one("aws:apigateway/restApi:RestApi").outputs["id"]
    assert model.inputs["restApi"] == validator.inputs["restApi"] == api
    body_methods = [m for m in each_stack.of_type(METHOD) if m.inputs["httpMethod"] in BODY_METHODS]
    assert body_methods, "the API takes a body somewhere"
    for method in body_methods:
        assert method.inputs["requestValidatorId"] == validator.outputs["id"], method.name
        assert method.inputs["requestModels"] == {JSON_TYPE: model.inputs["name"]}, method.name


def test_the_validator_checks_bodies_and_the_model_is_any_json_object(stack):
    validator = stack.one(VALIDATOR).inputs
    assert (validator["validateRequestBody"], validator["validateRequestParameters"]) == (
        True,
        False,
    )
    model = stack.one(MODEL).inputs
    assert model["contentType"] == JSON_TYPE
    # API Gateway models are JSON Schema draft 4; the handler checks every field itself.
    assert json.loads(model["schema"]) == JSON_OBJECT_SCHEMA
    assert JSON_OBJECT_SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert model["name"].isalnum()  # API Gateway refuses any other model name
    assert model["name"].endswith(stack.args.environment_suffix)


def test_methods_without_a_body_validate_nothing(stack):
    # ANY serves GET and HEAD, which carry no body; OPTIONS is API Gateway's own preflight.
    for method in stack.of_type(METHOD):
        if method.inputs["httpMethod"] not in BODY_METHODS:
            assert "requestValidatorId" not in method.inputs, method.name
            assert "requestModels" not in method.inputs, method.name
