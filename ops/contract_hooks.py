"""Schemathesis hooks for ops/contract: NDJSON, the one media type of the API that is not JSON.

A bulk load's body (application/x-ndjson) is text: a generated string is sent as it is. A value of
another type (what negative testing generates) has no NDJSON form: it is sent as an empty body,
which the service must refuse (422 empty_upload). Its results (application/x-ndjson) are read as the list of their
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
    return b""


@schemathesis.deserializer("application/x-ndjson")
def ndjson_lines(ctx, response):
    text = response.content.decode("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
