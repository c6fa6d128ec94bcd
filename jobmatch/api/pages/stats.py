"""The team's figures (jobmatch.api.stats) as a page."""

from flask import render_template

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.pages import bp
from jobmatch.api.stats import review_stats


@bp.route("/stats")
def stats() -> str:
    return render_template("stats.html", stats=review_stats(session(), caller().customer_id))
