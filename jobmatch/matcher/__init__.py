"""Link a posting to the ATS job it is: identifiers first, then normalized titles with place; every candidate
explained, and never an automatic link on a title alone. Pure Python and rapidfuzz: no I/O, no framework."""

from jobmatch.matcher.index import JobIndex, title_key
from jobmatch.matcher.model import Alias, Candidate, Decision, Location, MatchResult, Method, Posting
from jobmatch.matcher.ngrams import load_tables

__all__ = ["Alias", "Candidate", "Decision", "JobIndex", "Location", "MatchResult", "Method", "Posting",
           "load_tables", "title_key"]
