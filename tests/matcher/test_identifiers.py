import re
import sys

import pytest

from jobmatch.matcher.identifiers import (
    SEPARATORS,
    bare_codes,
    codes_in_title,
    normalize_code,
    normalize_codes,
    normalize_url,
    normalize_urls,
)


@pytest.mark.parametrize(("written", "expected"), [
    ("REQ-01007", "req01007"), ("  req-01007 ", "req01007"), ("REQ\u201301007", "req01007"),
    ("ＲＥＱ-01007", "req01007"), ("", ""), (None, ""),
    # the separators between a code's parts do not matter, as for a person reading it
    ("REQ01007", "req01007"), ("REQ 01007", "req01007"), ("req_01007", "req01007"), ("J-2025-0012", "j20250012"),
    ("J 2025 0012", "j20250012"), ("STL.0012", "stl0012"),
])
def test_job_codes(written, expected):
    assert normalize_code(written) == expected
    assert normalize_codes(["X", written, "REQ 1"]) == ["x", expected, "req1"]  # many at once, the same


def test_codes_normalized_at_once_are_each_normalized_alone():
    codes = ["REQ-01007", None, "", "ＲＥＱ-01007", "a\x00b", "Straße 7", "\u00adJ 12", "x" * 5]
    assert normalize_codes(codes) == [normalize_code(code) for code in codes]
    assert normalize_codes(codes[:4]) == [normalize_code(code) for code in codes[:4]]  # without a joint in them
    assert normalize_codes([]) == []


def test_the_separators_are_every_space_and_every_dash_hyphen_dot_slash_and_underscore():
    separator = re.compile(r"[\s\-_./\u2010-\u2015\u2212\ufe63\uff0d]")
    assert {c for c in range(sys.maxunicode + 1) if separator.fullmatch(chr(c))} == set(SEPARATORS)


@pytest.mark.parametrize(("title", "codes"), [
    ("Elektriker - Referenznr. 250539", ["250539"]), ("Einkäufer (Ref: REQ-01007)", ["REQ-01007"]),
    ("Lagerlogistik Ref. Nr. 17535 - DA", ["17535"]), ("Berater Ref:.Nr.S0250902", ["S0250902"]),
    ("Fahrer #1234", ["1234"]), ("Job-ID 4711 Koch", ["4711"]), ("Frankens Nr. 1 sucht", []),
    ("Personalreferent (m/w/d)", []), ("C# Developer", []),
])
def test_codes_in_titles(title, codes):
    assert codes_in_title(title) == codes


@pytest.mark.parametrize(("title", "codes"), [
    ("Lagerhelfer REQ-01007", ["REQ-01007"]), ("Lagerhelfer REQ 01007", ["01007", "REQ 01007"]),
    ("Lagerhelfer (REQ01007)", ["REQ01007"]), ("Koch J-2025-0012 Bamberg", ["J-2025-0012"]),
    ("Elektriker 250539", ["250539"]),
    # no code: a year, a short mix of letters and digits, words alone
    ("Ausbildung 2026", []), ("B2B Vertrieb", []), ("3D-Druck", []), ("Personalreferent (m/w/d)", []),
])
def test_codes_written_without_a_label(title, codes):
    assert bare_codes(title) == codes


CANONICAL = "https://jobs.example.de/stellen/4711"


@pytest.mark.parametrize("variant", [
    "http://jobs.example.de/stellen/4711", "https://JOBS.Example.DE/stellen/4711", "https://www.jobs.example.de/stellen/4711",
    "https://jobs.example.de:443/stellen/4711", "http://jobs.example.de:80/stellen/4711/",
    "https://jobs.example.de/stellen/4711#apply", "https://jobs.example.de/stellen/4711?utm_source=x&utm_medium=y",
    "https://jobs.example.de/stellen/4711?gclid=1&fbclid=2&source=ba", " jobs.example.de/stellen/4711 ",
])
def test_url_variants_of_one_posting_are_equal(variant):
    assert normalize_url(variant) == CANONICAL


def test_parameters_that_identify_the_job_are_kept():
    assert normalize_url("https://helixjobs.com/_/jobad?prj=556p133045&source=ba") == "https://helixjobs.com/_/jobad?prj=556p133045"
    assert normalize_url("https://x.de/job?id=1&utm_source=a") != normalize_url("https://x.de/job?id=2")
    assert normalize_url("https://x.de/job?jobId=7") == "https://x.de/job?jobId=7"
    assert normalize_url("https://x.de:8080/job") == "https://x.de:8080/job"


def test_urls_normalized_at_once_are_each_normalized_alone():
    urls = [CANONICAL + "/", None, "", " https://x.de/a//", "https://x.de", "https://x.de/", "https://www.x.de/a/",
            "https://X.de/a", "https://x.de/a?id=1", "https://x.de/a?utm_source=1", "https://x.de/a\nb", "[",
            "https://x.de:8080/a/", "x.de/job/"]
    assert normalize_urls(urls) == [normalize_url(url) for url in urls]
    assert normalize_urls(urls[:10]) == [normalize_url(url) for url in urls[:10]]  # without a line break in them
    assert normalize_urls([]) == []


@pytest.mark.parametrize("unreadable", ["[", "https://[jobs.example.de/4711", "https://x.de:80a/job"])
def test_an_unreadable_url_is_kept_as_written(unreadable):
    assert normalize_url(unreadable) == unreadable.casefold()


@pytest.mark.parametrize(("plain", "parsed"), [
    ("https://jobboard.compleet.com/?externalId=4473933964",
     "http://www.jobboard.compleet.com/?utm_source=indeed&externalId=4473933964#apply"),
    ("https://x.de/stellen/4711/", "https://X.de/stellen/4711?gclid=abc"),
    ("https://x.de/job?id=", "https://x.de:443/job/?id=&cp=1"),
])
def test_the_common_shape_and_its_variants_normalize_alike(plain, parsed):
    assert normalize_url(plain) == normalize_url(parsed) == normalize_url(normalize_url(plain))


def test_a_tracking_parameter_in_the_common_shape_is_dropped():
    assert normalize_url("https://x.de/job?utm_source=ba") == "https://x.de/job"
