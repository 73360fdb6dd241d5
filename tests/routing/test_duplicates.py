"""Likely duplicates: each rule (recent, nearby, similar), the ranking, the limit, the edges."""

import pickle
from datetime import datetime, timedelta

import pytest

from wangge.routing.duplicates import (
    DuplicateRules,
    LikelyDuplicate,
    NewRequest,
    OpenCase,
    TextSimilarity,
    distance_m,
    likely_duplicates,
)

NOW = datetime(2024, 5, 20, 9, 0)
LON, LAT = 113.08, 22.58  # 蓬江区
METRES_PER_DEGREE_LAT = 111_195  # on the mean sphere

NOISE = "幸福小区3栋楼下的烧烤店每晚营业到凌晨，油烟和噪音扰民，请城管处理"
NOISE_AGAIN = "幸福小区3栋楼下烧烤店营业到凌晨两点，噪音扰民油烟很大，希望城管来处理"
NOISE_SIMILAR = "幸福小区楼下烧烤店噪音扰民，晚上睡不着"
LAMP = "滨江路的路灯坏了一个多月，晚上一片漆黑，行人很危险"
WATER = "东成社区停水三天了，没有任何通知，老人做饭都没有水"


def new_request(text: str = NOISE, **changes) -> NewRequest:
    values = {"text": text, "reported_at": NOW, "grid_code": "G-01", "lon": LON, "lat": LAT}
    return NewRequest(**{**values, **changes})


def case(case_id: int, text: str = NOISE_AGAIN, **changes) -> OpenCase:
    values = {
        "id": case_id,
        "text": text,
        "reported_at": NOW - timedelta(days=2),
        "grid_code": "G-01",
        "lon": LON,
        "lat": LAT,
    }
    return OpenCase(**{**values, **changes})


def north_of(metres: float) -> float:
    return LAT + metres / METRES_PER_DEGREE_LAT


def ids(found: list[LikelyDuplicate]) -> list[int | str]:
    return [duplicate.id for duplicate in found]


def test_same_grid_and_similar_text_is_offered():
    found = likely_duplicates(new_request(lon=None, lat=None), [case(1, lon=None, lat=None)])
    assert ids(found) == [1]
    assert found[0].same_grid is True
    assert found[0].distance_m is None
    assert found[0].similarity >= DuplicateRules().min_similarity


def test_same_text_far_away_in_another_grid_is_not_offered():
    far = case(1, text=NOISE, grid_code="G-99", lat=north_of(5_000))
    assert likely_duplicates(new_request(), [far]) == []


def test_another_grid_within_the_distance_is_offered_with_its_distance():
    near = case(1, grid_code="G-02", lat=north_of(300))
    found = likely_duplicates(new_request(), [near])
    assert ids(found) == [1]
    assert found[0].same_grid is False
    assert found[0].distance_m == pytest.approx(300, abs=1)


def test_another_grid_just_beyond_the_distance_is_not_offered():
    beyond = case(1, grid_code="G-02", lat=north_of(520))
    assert likely_duplicates(new_request(), [beyond], DuplicateRules(max_distance_m=500)) == []
    assert ids(likely_duplicates(new_request(), [beyond], DuplicateRules(max_distance_m=600)))


def test_another_grid_without_coordinates_is_not_nearby():
    elsewhere = case(1, grid_code="G-02", lon=None, lat=None)
    assert likely_duplicates(new_request(), [elsewhere]) == []


def test_no_grid_code_on_either_side_is_not_the_same_grid():
    unplaced = case(1, grid_code=None, lon=None, lat=None)
    assert likely_duplicates(new_request(grid_code=None, lon=None, lat=None), [unplaced]) == []


def test_place_is_not_checked_when_the_rules_do_not_require_it():
    far = case(1, grid_code="G-99", lat=north_of(50_000))
    assert ids(likely_duplicates(new_request(), [far], DuplicateRules(require_nearby=False)))


def test_an_old_case_is_not_offered():
    old = case(1, reported_at=NOW - timedelta(days=31))
    assert likely_duplicates(new_request(), [old], DuplicateRules(max_age=timedelta(days=30))) == []


def test_a_case_just_within_the_age_is_offered_and_no_age_limit_keeps_old_ones():
    edge = case(1, reported_at=NOW - timedelta(days=30))
    assert ids(likely_duplicates(new_request(), [edge], DuplicateRules(max_age=timedelta(30))))
    old = case(2, reported_at=NOW - timedelta(days=400))
    assert ids(likely_duplicates(new_request(), [old], DuplicateRules(max_age=None))) == [2]


def test_a_case_reported_after_the_new_request_counts_as_recent():
    later = case(1, reported_at=NOW + timedelta(hours=1))
    assert ids(likely_duplicates(new_request(), [later])) == [1]


def test_dissimilar_text_in_the_same_grid_is_not_offered():
    assert likely_duplicates(new_request(), [case(1, text=LAMP), case(2, text=WATER)]) == []


def test_the_similarity_threshold_decides():
    candidates = [case(1, text=NOISE_SIMILAR)]
    score = likely_duplicates(new_request(), candidates, DuplicateRules(min_similarity=0))[0]
    above = DuplicateRules(min_similarity=score.similarity + 0.01)
    assert likely_duplicates(new_request(), candidates, above) == []
    at = DuplicateRules(min_similarity=score.similarity)
    assert ids(likely_duplicates(new_request(), candidates, at)) == [1]


def test_ranked_by_similarity_best_first():
    candidates = [case(1, text=NOISE_SIMILAR), case(2, text=NOISE), case(3, text=NOISE_AGAIN)]
    found = likely_duplicates(new_request(), candidates, DuplicateRules(min_similarity=0.05))
    assert ids(found) == [2, 3, 1]
    scores = [duplicate.similarity for duplicate in found]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == pytest.approx(1.0)


def test_equal_similarity_ranks_the_nearer_case_first():
    farther = case(1, text=NOISE, grid_code="G-02", lat=north_of(400))
    nearer = case(2, text=NOISE, grid_code="G-02", lat=north_of(100))
    assert ids(likely_duplicates(new_request(), [farther, nearer])) == [2, 1]


def test_at_most_limit_are_returned_and_they_are_the_best():
    candidates = [case(n, text=NOISE_AGAIN) for n in range(1, 6)] + [case(9, text=NOISE)]
    found = likely_duplicates(new_request(), candidates, DuplicateRules(limit=3))
    assert len(found) == 3
    assert found[0].id == 9
    assert likely_duplicates(new_request(), candidates, DuplicateRules(limit=0)) == []


def test_no_candidates_give_an_empty_list():
    assert likely_duplicates(new_request(), []) == []


def test_a_new_request_without_text_has_no_duplicates():
    assert likely_duplicates(new_request(text=" ，。 "), [case(1)]) == []


def test_a_fitted_similarity_is_used_instead_of_fitting_on_the_candidates():
    similarity = TextSimilarity().fit([NOISE, NOISE_AGAIN, LAMP, WATER] * 3)
    found = likely_duplicates(new_request(), [case(1), case(2, text=LAMP)], similarity=similarity)
    assert ids(found) == [1]
    expected = similarity.similarities(NOISE, [NOISE_AGAIN])[0]
    assert found[0].similarity == pytest.approx(expected)


def test_similarity_is_symmetric_and_bounded():
    similarity = TextSimilarity().fit([NOISE, NOISE_AGAIN, LAMP])
    forth = similarity.similarities(NOISE, [NOISE_AGAIN, LAMP])
    back = similarity.similarities(NOISE_AGAIN, [NOISE])
    assert forth[0] == pytest.approx(back[0])
    assert 0 <= forth[1] < forth[0] <= 1
    assert similarity.similarities(NOISE, [NOISE])[0] == pytest.approx(1.0)


def test_an_unfitted_similarity_refuses_to_compare():
    with pytest.raises(ValueError):
        TextSimilarity().similarities(NOISE, [LAMP])


def test_distance_is_the_great_circle_distance():
    assert distance_m(LON, LAT, LON, LAT) == 0
    assert distance_m(LON, LAT, LON, north_of(1_000)) == pytest.approx(1_000, rel=1e-3)
    # One degree of longitude at the equator is as long as one of latitude.
    assert distance_m(0, 0, 1, 0) == pytest.approx(METRES_PER_DEGREE_LAT, rel=1e-3)


def test_cached_vectors_give_the_same_similarities_as_fresh_ones():
    corpus = [NOISE, NOISE_AGAIN, LAMP, WATER]
    cached = TextSimilarity(cache_size=2).fit(corpus)
    uncached = TextSimilarity(cache_size=0).fit(corpus)
    for _ in range(2):  # the second round reads the cache
        assert cached.similarities(NOISE, [NOISE_AGAIN, LAMP, NOISE_AGAIN]) == pytest.approx(
            uncached.similarities(NOISE, [NOISE_AGAIN, LAMP, NOISE_AGAIN])
        )


def test_refitting_forgets_the_vectors_of_the_old_idf():
    similarity = TextSimilarity().fit([NOISE, NOISE_AGAIN])
    similarity.similarities(NOISE, [NOISE_SIMILAR])
    other_corpus = [NOISE_SIMILAR, LAMP, WATER, NOISE]
    similarity.fit(other_corpus)
    fresh = TextSimilarity().fit(other_corpus)
    assert similarity.similarities(NOISE, [NOISE_SIMILAR]) == pytest.approx(
        fresh.similarities(NOISE, [NOISE_SIMILAR])
    )


def test_a_fitted_similarity_survives_pickling():
    similarity = TextSimilarity().fit([NOISE, NOISE_AGAIN, LAMP])
    expected = similarity.similarities(NOISE, [NOISE_AGAIN, LAMP])
    restored = pickle.loads(pickle.dumps(similarity))  # noqa: S301 (pickled just above)
    assert restored.similarities(NOISE, [NOISE_AGAIN, LAMP]) == pytest.approx(expected)
