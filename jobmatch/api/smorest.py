"""flask-smorest as the API uses it: the error envelope is what the OpenAPI document describes, and unknown
fields are errors in the query string as in the body (webargs would drop unknown query parameters)."""

import flask_smorest
from webargs.flaskparser import FlaskParser

from jobmatch.api.schemas import ErrorSchema


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = FlaskParser(unknown=None)  # None: each schema's own setting, marshmallow's RAISE
