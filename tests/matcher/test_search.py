from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from jobmatch.matcher.search import SHORTLIST, TitleSearch, Vocabulary


def common_pool() -> TitleSearch:
    """400 titles share the word "mitarbeiter" (and its word start and end); one is "lagerist"."""
    search = TitleSearch()
    for n in range(400):
        search.add(f"mitarbeiter abteilung{n}", ("mitarbeiter", f"abteilung{n}"), [f"job-{n}"])
    search.add("lagerist", ("lagerist",), ["job-lager"])
    return search


def test_a_common_word_is_not_counted_when_a_rarer_one_finds_titles() -> None:
    found = dict(common_pool().similar("mitarbeiter lagerist", ("mitarbeiter", "lagerist"), cutoff=0))
    assert list(found) == ["lagerist"]


def test_a_query_of_common_words_alone_still_finds_their_titles() -> None:
    found = common_pool().similar("mitarbeiter", ("mitarbeiter",), cutoff=0)
    assert len(found) == SHORTLIST
    assert all(title.startswith("mitarbeiter abteilung") for title, _ in found)


def test_a_key_of_few_titles_is_counted_even_when_most_titles_carry_it() -> None:
    search = TitleSearch()
    for n in range(150):  # nearly every title carries "mitarbeiter", but they are fewer than _COMMON_MIN
        search.add(f"mitarbeiter abteilung{n}", ("mitarbeiter", f"abteilung{n}"), [f"job-{n}"])
    search.add("lagerist", ("lagerist",), ["job-lager"])
    found = dict(search.similar("mitarbeiter lagerist", ("mitarbeiter", "lagerist"), cutoff=0))
    assert "lagerist" in found and len(found) == SHORTLIST  # "mitarbeiter" counted: its titles fill the list


WORD = st.text(alphabet="aeiklmnr", min_size=1, max_size=14)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORD, max_size=60, unique=True), WORD, st.sampled_from([40.0, 60.0, 75.0, 90.0, 100.0]),
       st.integers(1, 5))
def test_the_nearest_words_are_those_extract_finds_among_all_words(words, word, cutoff, limit) -> None:
    """(Few letters: many words score alike, and ties are ranked in the order the words were given.)"""
    expected = [near for near, _, _ in process.extract(word, words, scorer=fuzz.ratio, limit=limit,
                                                       score_cutoff=cutoff)]
    assert Vocabulary(words).nearest(word, cutoff, limit) == expected


def test_a_title_cut_short_finds_the_titles_whose_word_its_last_word_starts() -> None:
    search = TitleSearch()
    for n in range(400):  # ranked before it by the shortlist's tie-break
        search.add(f"mitarbeiter zone{n}", ("mitarbeiter", f"zone{n}"), [f"job-{n}"])
    search.add("mitarbeiter aussendienst", ("mitarbeiter", "aussendienst"), ["job-aussen"])
    found = dict(search.similar("mitarbeiter ausse", ("mitarbeiter", "ausse"), cutoff=90, cut=True))
    assert list(found) == ["mitarbeiter aussendienst"]
    assert "mitarbeiter aussendienst" not in dict(search.similar("mitarbeiter ausse", ("mitarbeiter", "ausse"),
                                                                 cutoff=0))  # not cut: a word of its own


def test_a_typo_of_a_common_title_finds_it_when_a_rarer_word_is_near_the_typo_too() -> None:
    """"verkaeufer" is carried by 400 titles, "verkaeuferin" by one: the typo's nearest words are both, and the
    common one is not counted beside the rarer one, so its one-word title would not be on the shortlist."""
    search = TitleSearch()
    for n in range(400):
        search.add(f"verkaeufer filiale{n}", ("verkaeufer", f"filiale{n}"), [f"job-{n}"])
    search.add("verkaeufer", ("verkaeufer",), ["job-verkaeufer"])
    search.add("verkaeuferin baeckerei", ("verkaeuferin", "baeckerei"), ["job-baeckerei"])
    found = dict(search.similar("verkaeuefr", ("verkaeuefr",), cutoff=70))
    assert next(iter(found)) == "verkaeufer" and found["verkaeufer"] == 90
