"""Schemathesis hooks for ops/contract: NDJSON, the one media type of the API that is not JSON.

A bulk load's body (application/x-ndjson) is sent as the generated text, or as one JSON value per
line when a list is generated; its results (application/x-ndjson) are read as the list of their
lines' JSON values, which the OpenAPI document describes as an array of ResultLineView.
"""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, list):
        return "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in value).encode("utf-8")
    return (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")


@schemathesis.deserializer("application/x-ndjson")
def ndjson_lines(ctx, response):
    text = response.content.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
