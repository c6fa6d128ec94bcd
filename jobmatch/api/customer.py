"""The calling customer's settings, for admin keys."""

from typing import Any

from sqlalchemy import select

from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.schemas import CustomerPatchSchema, CustomerSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.store.models import Customer, Role

blp = Blueprint("customer", __name__, url_prefix="/v1/customer", description="The customer's settings.")


@blp.route("", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, CustomerSchema)
@blp.errors(401, 403)
def get_customer() -> Customer:
    """The settings of the key's customer."""
    return _customer()


@blp.route("", methods=["PATCH"])
@requires(Role.ADMIN)
@blp.arguments(CustomerPatchSchema)
@blp.response(200, CustomerSchema)
@blp.errors(400, 401, 403, 413)
def update_customer(body: dict[str, Any]) -> Customer:
    """Change settings; with `match_exposed_only`, postings matched from now on see only the exposed jobs; with
    `only_public_jobs_applicable`, jobs that are not PUBLIC take no applications from now on."""
    customer = _customer()
    for name, value in body.items():
        setattr(customer, name, value)
    session().commit()
    return customer


def _customer() -> Customer:
    return session().scalars(select(Customer).where(Customer.id == caller().customer_id)).one()
