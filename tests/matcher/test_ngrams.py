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
