"""The serverless-api stack: a REST API in front of one Lambda function, with its alarms and
dashboard."""
