"""Build the occupation table the matcher ships (jobmatch/matcher/data/occupations.json.gz) from ESCO.

Source: ../shared/data/esco-occupations/esco_occupations_de_en_groups.jsonl (ESCO v1.0.3, European Commission,
CC BY 4.0, via Avature/melo-benchmark). Every German label, German KldB title and English label of an
occupation is normalized as the matcher normalizes titles; the table lists each occupation's normalized labels,
German first, and where its preferred German and English names are among them (the first of ESCO's lists). The
matcher maps each label to the occupations that carry it (a generic label, "Lagerarbeiter", sits under several:
it weighs it by their number, and more for an occupation whose preferred name it is). The words compounds are
made of are the German label words and the halves compound-split
finds in them ("gabelstaplerfahrer" -> gabelstapler, fahrer), so that the matcher splits compounds at run
time by looking words up, without the splitter. The output depends only on the source file and the normalizer: running this again gives the
same bytes (a test checks that the shipped table is what this script builds).

    .venv/bin/python scripts/build_occupations.py [--source PATH] [--out PATH]
"""

import argparse
import gzip
import json
from pathlib import Path

from compound_split import char_split

from jobmatch.matcher.occupations import TABLE, build_table

SOURCE = Path("shared/data/esco-occupations/esco_occupations_de_en_groups.jsonl")


def find_source() -> Path:
    """The source file in the `shared/` folder beside the checkout or beside one of its parents."""
    for folder in Path(__file__).resolve().parents:
        if (folder / SOURCE).is_file():
            return folder / SOURCE
    raise SystemExit(f"{SOURCE} not found beside {Path(__file__).resolve().parents[1]} or its parents; pass --source")


def split(word: str) -> tuple[str, str] | None:
    """A compound's modifier and head by compound-split (Tuggener's n-gram method: "staplerfahrer" -> stapler,
    fahrer), where it is confident (a positive score)."""
    score, modifier, head = char_split.split_compound(word)[0]
    return (modifier, head) if score > 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path)
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args()
    with (args.source or find_source()).open(encoding="utf-8") as lines:
        table = build_table((json.loads(line) for line in lines if line.strip()), split)
    data = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    args.out.write_bytes(gzip.compress(data, mtime=0))
    print(f"{args.out}: {len(table['names'])} occupations, {len({key for own in table['labels'] for key in own})} labels")


if __name__ == "__main__":
    main()
