"""jobmatch: link incoming jobs to the matching job in the customer's ATS."""
