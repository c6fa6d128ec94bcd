import pytest

from jobmatch.matcher.ngrams import GramSearch, grams, rarity, weighted


@pytest.mark.parametrize(("words", "pieces"), [
    (["koch"], {"^ko", "koc", "och", "ch$", "^koc", "koch", "och$"}),
    (["it"], {"^it", "it$", "^it$"}),
    (["stein+"], {"^st", "ste", "tei", "ein", "in$", "^ste", "stei", "tein", "ein$"}),  # a compound's mark is no letter
])
def test_a_word_is_its_three_and_four_letter_pieces_with_its_start_and_end_marked(words, pieces):
    assert set(grams(words)) == pieces


@pytest.mark.parametrize(("rare", "common"), [("rein", "ter$"), ("stap", "er$"), ("flor", "ung$")])
def test_a_piece_few_occupation_names_have_weighs_more_than_a_common_one(rare, common):
    assert rarity(rare) > 2 * rarity(common)


POOL = ["helfer reinigung", "berufskraftfahrer", "gabelstaplerfahrer", "koch koechin", "verkaeufer"]


@pytest.fixture()
def search():
    found = GramSearch()
    for title in POOL:
        found.add(title)
    return found


@pytest.mark.parametrize(("words", "best"), [
    (["reinigungskraft"], "helfer reinigung"),  # Indel ratio 40%: what they share is inside the words
    (["staplerfahrer"], "gabelstaplerfahrer"),
    (["kraftfahrer"], "berufskraftfahrer"),
    (["koechin"], "koch koechin"),
])
def test_titles_alike_inside_their_words_are_found_first(search, words, best):
    found = search.similar(weighted(grams(words)), limit=3)
    assert found[0][0] == best and 0 < found[0][1] <= 1


def test_a_title_alike_in_every_piece_scores_one(search):
    assert search.similar(weighted(grams(["verkaeufer"])), limit=1) == [("verkaeufer", pytest.approx(1.0))]


def test_a_discarded_title_is_not_found_and_its_words_are_forgotten(search):
    search.discard("helfer reinigung")
    assert "helfer reinigung" not in {title for title, _ in search.similar(weighted(grams(["reinigung"])), 5)}
    search.add("helfer reinigung")
    assert search.similar(weighted(grams(["reinigung"])), 1)[0][0] == "helfer reinigung"


def test_a_word_shared_by_two_titles_stays_while_one_of_them_does(search):
    search.add("koch")
    search.discard("koch koechin")
    assert search.similar(weighted(grams(["koch"])), 1) == [("koch", pytest.approx(1.0))]


def test_nothing_alike_finds_nothing(search):
    assert search.similar(weighted(grams(["zyx"])), 5) == []
    assert GramSearch().similar(weighted(grams(["koch"])), 5) == []


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(weight * b.get(gram, 0.0) for gram, weight in a.items())
    return dot / (sum(w * w for w in a.values()) ** 0.5 * sum(w * w for w in b.values()) ** 0.5)


@pytest.mark.parametrize(("query", "title"), [
    # a title is the set of its words' pieces: a piece several of its words hold counts once
    ("mechaniker", "mechaniker mechatroniker industriemechaniker"),
    ("assistenz", "assistenz teamassistenz"),
    ("medizinische assistenz", "assistenz teamassistenz"),
    ("elektroniker", "elektromonteur elektroinstallateur elektroniker"),
    ("reinigungskraft", "helfer reinigung"),  # nothing shared between its words: as before
])
def test_the_cosine_is_that_of_the_sets_of_pieces(query, title):
    search = GramSearch()
    for text in (title, query):
        search.add(text)
    found = dict(search.similar(weighted(grams(query.split())), limit=2))
    as_sets = {gram: rarity(gram) for gram in grams(title.split())}
    assert found[title] == pytest.approx(_cosine(weighted(grams(query.split())), as_sets))
    assert found[title] < found[query] == pytest.approx(1.0)  # never above the title that is the query's own
