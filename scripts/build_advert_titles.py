"""Build the table of how employers title each occupation's adverts (jobmatch/matcher/data/advert_titles.json.gz).

Source: the Bundesagentur's adverts shipped with the fixtures (jobmatch.fixtures.adverts), of the employers of the
tuning part only (`labelled.part_of`), so that the reporting part measures titles the table never saw. Each
title is normalized as the matcher normalizes titles, the adverts' own towns removed; its features are its words
and its compound parts' stems (`wording.parts`). The output depends only on the adverts and the normalizer:
running this again gives the same bytes (a test checks that the shipped table is what this script builds).

    .venv/bin/python scripts/build_advert_titles.py [--out PATH]
"""

import argparse
import gzip
from pathlib import Path

from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.labelled import TUNING, part_of
from jobmatch.matcher.advert_titles import TABLE, build_table, features, normalized, table_bytes
from jobmatch.matcher.places import CityNames, city_key
from jobmatch.matcher.titles import normalize_title
from jobmatch.matcher.wording import parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args()
    adverts = [advert for advert in load_adverts() if advert.occupation and advert.title.strip()]
    towns = CityNames()
    towns.add_all(city for advert in adverts if (city := city_key(advert.city)))

    def featured(title: str) -> set[str]:
        words = tuple(normalize_title(title, towns).text.split())
        return features(words, parts(words)[1])

    table = build_table(((advert.title, advert.occupation) for advert in adverts if part_of(advert.employer) == TUNING),
                        featured, normalized)
    data = table_bytes(table)
    args.out.write_bytes(gzip.compress(data, mtime=0))
    print(f"{args.out}: {len(table['names'])} occupations, {len(table['features'])} features, {len(data):,} bytes")


if __name__ == "__main__":
    main()
