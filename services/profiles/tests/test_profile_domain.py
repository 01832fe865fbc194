from collections.abc import Callable
from typing import Any

from profiles.domain.profile import SeekerProfile, facts_of, fingerprint

ProfileBuilder = Callable[..., dict[str, Any]]


def test_contact_data_is_not_a_matching_fact(a_profile: ProfileBuilder) -> None:
    before = SeekerProfile.model_validate(a_profile())
    after = SeekerProfile.model_validate(
        a_profile(
            contact={"first_name": "Amina", "last_name": "Diallo", "phone": "+33 7 00 00 00 00"}
        )
    )

    assert fingerprint(facts_of(before)) == fingerprint(facts_of(after))
    assert "contact" not in facts_of(after).model_dump()


def test_a_new_radius_is_a_material_change(a_profile: ProfileBuilder) -> None:
    before = SeekerProfile.model_validate(a_profile())
    after = SeekerProfile.model_validate(a_profile(radius_km=30))

    assert fingerprint(facts_of(before)) != fingerprint(facts_of(after))
