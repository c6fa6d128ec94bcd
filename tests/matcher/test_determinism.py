"""A posting gets the same candidates, scores and reasons in every process: the workers of one server run with
different hash seeds, so nothing may follow the order of a set of strings."""

import json
import os
import subprocess
import sys

SCRIPT = """
import json
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import JobIndex, Posting
index = JobIndex([kombo_job("fahrer", "r-1", "LKW sucht Fahrer"),
                  kombo_job("prozess", "r-2", "Prozessingenieur (m/w/d)"),
                  kombo_job("elektro", "r-3", "Elektriker Betriebstechnik (m/w/d)")])
titles = ["Fahrlehrer/in (m/w/d)", "Bauingenieur (m/w/d)", "Elektroniker Betriebstechnik (alle Geschlechter)"]
print(json.dumps([[(c.job_id, c.score, c.reasons, c.weak) for c in index.match(Posting(t), limit=10).candidates]
                  for t in titles]))
"""


def test_letters_alike_say_the_same_reason_whatever_the_hash_seed():
    runs = {subprocess.run([sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(6)}
    assert len(runs) == 1
    assert any(reason.startswith("letters alike: fahrlehrer ~ fahrer")
               for candidates in json.loads(runs.pop()) for _, _, reasons, _ in candidates for reason in reasons)
