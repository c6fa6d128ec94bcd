import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from jobmatch.matcher.text import clean, fold, words

INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"
# titles as written: German letters, accents, ligatures, full-width forms, dashes and the invisible characters
TEXT = st.text(st.sampled_from([*"aAzZ09 -/()_+#äöüÄÖÜßéèñçİǅﬁＡ１–…", *INVISIBLE]) | st.characters(), max_size=40)


def by_definition_clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(dict.fromkeys(map(ord, INVISIBLE)))


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_clean_is_nfkc_without_invisible_characters(text: str) -> None:
    assert clean(text) == by_definition_clean(text)


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_fold_is_case_folded_with_umlauts_spelt_out_and_other_accents_dropped(text: str) -> None:
    folded = by_definition_clean(text).casefold().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"}))
    if not folded.isascii():
        folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not "\u0300" <= c <= "\u036f")
    assert fold(text) == folded


@settings(max_examples=2000, deadline=None)
@given(TEXT)
def test_words_are_the_runs_of_letters_and_digits_with_plus_and_hash(text: str) -> None:
    runs = re.split(r"[^\w+#]+|_+", text)
    assert words(text) == [run for run in runs if re.search(r"[^\W_]", run)]
    assert words("c++ / c# __ +++ it_support") == ["c++", "c#", "it", "support"]


def test_invisible_characters_split_no_word() -> None:
    assert clean("Produktions\u00admitarbeiter") == "Produktionsmitarbeiter"
    assert fold("Bäcker\u200b Grüße") == "baecker gruesse"
