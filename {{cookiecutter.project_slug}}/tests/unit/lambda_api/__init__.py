"""Unit tests of the Lambda and API Gateway building blocks, and what they share: real-shaped
Lambda contexts and API Gateway events, and the mocked answers of Lambda, API Gateway and SSM."""
