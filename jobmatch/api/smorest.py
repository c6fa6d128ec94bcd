"""flask-smorest as the API uses it: the error envelope is what the OpenAPI document describes, every error a
route answers is documented as that envelope, and unknown fields are errors in the query string as in the body
(webargs would drop unknown query parameters)."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import flask_smorest
from webargs.flaskparser import FlaskParser

from jobmatch.api.schemas import ErrorSchema


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None  # no catch-all: each route documents the errors it answers

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_null_means_null)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = FlaskParser(unknown=None)  # None: each schema's own setting, marshmallow's RAISE

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """As flask-smorest's, but a schema class is instantiated once, here: webargs would make an instance (and
        copy its fields) for every request."""
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def errors(self, *statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document the error statuses a route answers, each as the shared response of the error envelope."""

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            for status in statuses:
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return decorator


def _null_means_null(_converter: Any, _field: Any, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """apispec writes a nullable nested schema in OpenAPI 3.0 as `anyOf: [{"type": "object", "nullable": true},
    {"$ref": ...}]`, whose first branch admits any object; narrow it to null, which is what the schema allows."""
    alternatives = ret.get("anyOf")
    if not alternatives:
        return {}
    return {"anyOf": [{"nullable": True, "enum": [None]} if branch == {"type": "object", "nullable": True}
                      else branch for branch in alternatives]}
