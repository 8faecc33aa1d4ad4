"""Garage rules: VINs, duplicates, retiring, odometer readings, service and cover."""

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.errors import ServiceError
from portal.extensions import db
from portal.garage import queries, services
from portal.garage.models import Vehicle
from portal.garage.rules import cover_status, decode_vin, with_check_digit
from tests import factories

from .conftest import TODAY

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def details(vin, **overrides):
    return services.VehicleDetails(vin=vin, model=overrides.pop("model", "Accord"), **overrides)


def test_vin_is_tidied_to_seventeen_capitals(app, make_owner, vin_for):
    owner = make_owner()
    typed = " " + vin_for(7).lower()[:8] + " - " + vin_for(7).lower()[8:] + " "
    vehicle = services.add_vehicle(db.session, owner, details(typed), TODAY)
    assert vehicle.vin == vin_for(7)


@pytest.mark.parametrize(
    ("vin", "says"),
    [
        ("1HGCV1F3XNA00001", "17 characters; this one has 16"),
        ("1HGCV1F3XNA0000012", "this one has 18"),
        ("1HGCV1F3XNAO00001", "never I, O or Q"),
        ("1HGCV1F3XNAI00001", "never I, O or Q"),
        ("", "this one has 0"),
    ],
)
def test_malformed_vin_is_refused_next_to_the_vin_field(vin, says):
    with pytest.raises(ServiceError) as refused:
        decode_vin(vin)
    assert says in refused.value.message
    assert refused.value.field == "vin"


def test_north_american_vin_with_a_wrong_check_digit_is_refused(vin_for):
    good = vin_for(1)
    wrong_digit = "0" if good[8] != "0" else "1"
    with pytest.raises(ServiceError) as refused:
        decode_vin(good[:8] + wrong_digit + good[9:])
    assert "check digit" in refused.value.message
    assert refused.value.field == "vin"


def test_one_mistyped_character_fails_the_checksum(vin_for):
    good = vin_for(1)
    with pytest.raises(ServiceError, match="check digit"):
        decode_vin(good[:-1] + ("2" if good[-1] != "2" else "3"))


def test_european_vin_is_not_held_to_the_north_american_check_digit():
    # Porsche writes Z fillers where North America puts a check digit.
    decoded = decode_vin("WP0ZZZ99ZTS392124")
    assert decoded.make == "Porsche"
    assert decoded.year is None  # T is 1996 or 2026: the VIN does not say which


def test_make_and_model_year_are_filled_from_the_vin_when_left_blank(app, make_owner, vin_for):
    vehicle = services.add_vehicle(db.session, make_owner(), details(vin_for(3)), TODAY)
    assert (vehicle.make, vehicle.year) == ("Honda", 2022)


def test_owner_answers_win_over_the_decoded_vin(app, make_owner, vin_for):
    vehicle = services.add_vehicle(
        db.session, make_owner(), details(vin_for(3), make="Acura", year=2021), TODAY
    )
    assert (vehicle.make, vehicle.year) == ("Acura", 2021)


def test_model_year_is_asked_for_when_the_vin_cannot_tell(app, make_owner):
    with pytest.raises(ServiceError) as refused:
        services.add_vehicle(db.session, make_owner(), details("WP0ZZZ99ZTS392124"), TODAY)
    assert refused.value.field == "year"


def test_position_seven_settles_the_thirty_year_cycle():
    # Position 7 a digit: the 1980-2009 cycle (an 2003 Accord), a letter: 2010 onwards.
    assert decode_vin("1HGCM82633A004352").year == 2003
    assert decode_vin(with_check_digit("1HGCV1F3_AA000001")).year == 2010


def test_vin_of_another_owners_active_car_is_refused_with_a_clear_message(
    app, make_owner, make_vehicle, vin_for
):
    make_vehicle(make_owner(), vin=vin_for(11))
    with pytest.raises(ServiceError) as refused:
        services.add_vehicle(db.session, make_owner(), details(vin_for(11)), TODAY)
    assert "registered to another owner's active garage" in refused.value.message
    assert refused.value.field == "vin"


def test_same_owner_cannot_register_a_vin_twice(app, make_owner, make_vehicle, vin_for):
    owner = make_owner()
    make_vehicle(owner, vin=vin_for(12))
    with pytest.raises(ServiceError, match="already in your garage"):
        services.add_vehicle(db.session, owner, details(vin_for(12)), TODAY)


def test_vin_is_free_again_once_the_previous_owner_retires_the_car(
    app, make_owner, make_vehicle, vin_for
):
    seller, buyer = make_owner(), make_owner()
    sold = make_vehicle(seller, vin=vin_for(13))
    services.retire_vehicle(db.session, sold, "sold", NOW)
    db.session.commit()
    bought = services.add_vehicle(db.session, buyer, details(vin_for(13)), TODAY)
    db.session.commit()
    assert bought.owner_id == buyer.id
    assert db.session.get(Vehicle, sold.id).retired_at == NOW


def test_unique_index_refuses_a_vin_the_check_missed(
    app, make_owner, make_vehicle, vin_for, monkeypatch
):
    # Two requests racing past the check: the partial unique index still refuses the second.
    make_vehicle(make_owner(), vin=vin_for(14))
    monkeypatch.setattr(services, "_refuse_registered_vin", lambda *args, **kwargs: None)
    with pytest.raises(ServiceError, match="a moment ago"):
        services.add_vehicle(db.session, make_owner(), details(vin_for(14)), TODAY)
    db.session.commit()  # the transaction is still usable after the refused savepoint
    assert db.session.query(Vehicle).count() == 1


def test_editing_keeps_the_vin_check_but_allows_the_cars_own_vin(
    app, make_owner, make_vehicle, vin_for
):
    owner = make_owner()
    vehicle = make_vehicle(owner, vin=vin_for(15))
    make_vehicle(make_owner(), vin=vin_for(16))
    services.update_vehicle(db.session, owner, vehicle, details(vin_for(15), colour="Red"), TODAY)
    assert vehicle.colour == "Red"
    with pytest.raises(ServiceError, match="another owner"):
        services.update_vehicle(db.session, owner, vehicle, details(vin_for(16)), TODAY)


def test_purchase_date_in_the_future_is_refused(app, make_owner, vin_for):
    with pytest.raises(ServiceError) as refused:
        services.add_vehicle(
            db.session,
            make_owner(),
            details(vin_for(1), purchase_date=TODAY + timedelta(days=1)),
            TODAY,
        )
    assert refused.value.field == "purchase_date"


def test_retiring_keeps_the_car_and_its_history(app, make_owner, make_vehicle):
    owner = make_owner()
    vehicle = make_vehicle(owner)
    services.record_odometer(db.session, vehicle, TODAY, 5_000, TODAY)
    services.retire_vehicle(db.session, vehicle, "transferred", NOW)
    db.session.commit()
    cars = queries.garage_cars(db.session, owner)
    assert [(car.id, car.miles) for car in cars] == [(vehicle.id, 5_000)]
    assert cars[0].retired_reason == "transferred"
    assert queries.garage_cars(db.session, owner, active_only=True) == []


def test_the_home_pages_cars_read_as_the_garages_active_cars(app, make_owner, make_vehicle):
    owner = make_owner()
    make_vehicle(owner, nickname="The Blue One")
    make_vehicle(owner, make="Mazda", model="CX-5", year=2021, purchase_odometer=None)
    read = make_vehicle(owner, make="Volvo", model="XC40", year=2020)
    services.record_odometer(db.session, read, TODAY, 12_345, TODAY)
    serviced = make_vehicle(owner, make="Kia", model="Niro", year=2019)
    factories.service_record(serviced, TODAY - timedelta(days=30), miles=40_000)
    gone = make_vehicle(owner, make="Ford", model="Focus", year=2012)
    services.retire_vehicle(db.session, gone, "sold", NOW)
    make_vehicle(make_owner(), make="Saab", model="900", year=1990)  # someone else's
    db.session.commit()
    garage = queries.garage_cars(db.session, owner, active_only=True)
    home = queries.home_cars(db.session, owner)
    assert [(c.id, c.label, c.miles) for c in home] == [(c.id, c.label, c.miles) for c in garage]
    assert [c.label for c in home] == [
        "The Blue One",
        "2021 Mazda CX-5",
        "2020 Volvo XC40",
        "2019 Kia Niro",
    ]
    assert [c.miles for c in home] == [1_000, None, 12_345, 40_000]


def test_a_retired_car_takes_no_new_readings_and_cannot_be_retired_twice(
    app, make_owner, make_vehicle
):
    vehicle = make_vehicle(make_owner())
    services.retire_vehicle(db.session, vehicle, "sold", NOW)
    with pytest.raises(ServiceError, match="past cars"):
        services.record_odometer(db.session, vehicle, TODAY, 9_000, TODAY)
    with pytest.raises(ServiceError, match="past cars"):
        services.retire_vehicle(db.session, vehicle, "sold", NOW)


def test_retiring_needs_a_known_reason(app, make_owner, make_vehicle):
    with pytest.raises(ServiceError) as refused:
        services.retire_vehicle(db.session, make_vehicle(make_owner()), "scrapped", NOW)
    assert refused.value.field == "reason"


def test_odometer_never_goes_below_the_purchase_mileage(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner(), purchase_odometer=12_000)
    with pytest.raises(ServiceError) as refused:
        services.record_odometer(db.session, vehicle, TODAY, 11_999, TODAY)
    assert "12,000 miles" in refused.value.message
    assert refused.value.field == "miles"


def test_odometer_never_goes_below_the_latest_reading(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner())
    services.record_odometer(db.session, vehicle, TODAY - timedelta(days=30), 8_000, TODAY)
    services.record_odometer(db.session, vehicle, TODAY, 8_000, TODAY)  # same is fine
    with pytest.raises(ServiceError, match="8,000 miles"):
        services.record_odometer(db.session, vehicle, TODAY, 7_900, TODAY)


def test_odometer_never_goes_below_a_service_visit_mileage(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner())
    services.add_service_record(
        db.session,
        vehicle,
        performed_on=TODAY - timedelta(days=3),
        miles=20_000,
        work_done="Oil change",
        at_dealership=False,
        recall_code=None,
        today=TODAY,
    )
    with pytest.raises(ServiceError, match="20,000 miles"):
        services.record_odometer(db.session, vehicle, TODAY, 19_000, TODAY)


def test_odometer_reading_cannot_be_in_the_future_or_before_the_latest(
    app, make_owner, make_vehicle
):
    vehicle = make_vehicle(make_owner(), purchase_date=date(2025, 1, 1))
    with pytest.raises(ServiceError) as refused:
        services.record_odometer(db.session, vehicle, TODAY + timedelta(days=1), 9_000, TODAY)
    assert refused.value.field == "read_on"
    with pytest.raises(ServiceError, match="before you bought"):
        services.record_odometer(db.session, vehicle, date(2024, 12, 31), 9_000, TODAY)
    services.record_odometer(db.session, vehicle, TODAY, 9_000, TODAY)
    with pytest.raises(ServiceError, match="latest reading is from"):
        services.record_odometer(db.session, vehicle, TODAY - timedelta(days=1), 9_500, TODAY)


def test_service_visit_records_where_it_was_done_and_any_recall(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner())
    record = services.add_service_record(
        db.session,
        vehicle,
        performed_on=TODAY,
        miles=3_000,
        work_done="  Airbag inflator replaced  ",
        at_dealership=True,
        recall_code="24V-512",
        today=TODAY,
    )
    assert (record.work_done, record.at_dealership, record.recall_code) == (
        "Airbag inflator replaced",
        True,
        "24V-512",
    )
    with pytest.raises(ServiceError) as refused:
        services.add_service_record(
            db.session,
            vehicle,
            performed_on=TODAY + timedelta(days=2),
            miles=None,
            work_done="Oil",
            at_dealership=True,
            recall_code="",
            today=TODAY,
        )
    assert refused.value.field == "performed_on"


def test_protection_product_ends_on_a_date_or_at_miles(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner())
    product = services.add_protection_product(
        db.session,
        vehicle,
        name="Tyre and wheel",
        provider=" ",
        ends_on=date(2029, 1, 1),
        ends_at_miles=60_000,
    )
    assert (product.provider, product.ends_at_miles) == (None, 60_000)
    with pytest.raises(ServiceError) as refused:
        services.add_protection_product(
            db.session, vehicle, name="", provider=None, ends_on=None, ends_at_miles=None
        )
    assert refused.value.field == "name"


@pytest.mark.parametrize(
    ("ends_on", "ends_at_miles", "miles", "label"),
    [
        (date(2028, 1, 1), 36_000, 10_000, "Active"),
        (date(2026, 5, 1), None, 10_000, "Ending soon"),
        (None, 36_000, 35_500, "Ending soon"),
        (date(2026, 3, 9), 36_000, 10_000, "Ended"),
        (date(2028, 1, 1), 36_000, 36_000, "Ended"),
        (None, None, 10_000, "No end given"),
    ],
)
def test_cover_ends_by_date_or_miles_whichever_first(ends_on, ends_at_miles, miles, label):
    assert cover_status(ends_on, ends_at_miles, miles, TODAY).label == label


def test_another_owners_car_is_not_found(app, make_owner, make_vehicle):
    vehicle = make_vehicle(make_owner())
    assert queries.vehicle_for_owner(db.session, make_owner(), vehicle.id) is None
