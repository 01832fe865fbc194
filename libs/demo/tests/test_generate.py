"""Demo data passes the services' validation, and is the same for the same seed."""

import itertools

from demo.generate import offers, seekers
from profiles.domain.validation import ProfileIn, check_profile
from refdata import get_referential


def test_the_same_seed_gives_the_same_data() -> None:
    referential = get_referential()

    assert list(seekers(20, referential, seed=7)) == list(seekers(20, referential, seed=7))
    assert list(offers(20, referential, seed=7)) == list(offers(20, referential, seed=7))
    assert list(seekers(5, referential, seed=7)) != list(seekers(5, referential, seed=8))


def test_generated_seekers_pass_the_profile_validation() -> None:
    referential = get_referential()

    for _, document in seekers(300, referential):
        profile, problems = check_profile(ProfileIn.model_validate(document), referential)
        assert problems == []
        assert profile is not None


def test_offers_use_real_occupations_and_places() -> None:
    referential = get_referential()

    for record in itertools.islice(offers(300, referential), 300):
        assert referential.is_rome(record["romeCode"])
        commune = referential.commune(record["lieuTravail"]["commune"])
        assert commune is not None
        assert commune.latitude == record["lieuTravail"]["latitude"]


def test_seekers_spread_over_counsellors_of_about_250() -> None:
    counsellors = {p["counsellor_id"] for _, p in seekers(1000, get_referential())}

    assert len(counsellors) == 4
