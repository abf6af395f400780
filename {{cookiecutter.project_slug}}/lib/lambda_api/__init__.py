"""Python Lambda functions behind API Gateway REST APIs: the function, the stage, CORS, the
deployment, and the account program that sets API Gateway's CloudWatch role."""
