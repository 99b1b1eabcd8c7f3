import pytest

from tests.factories import PatientFactory

URL = "/patients/"


@pytest.fixture
def zoe(db):
    return PatientFactory(
        first_name="Zoë",
        last_name="Müller",
        preferred_name="Zo",
        date_of_birth="1980-03-14",
        phone="+44 (0)20 7946 0018",
    )


@pytest.fixture
def others(db):
    return [
        PatientFactory(first_name="John", last_name="Smith", date_of_birth="1975-06-01"),
        PatientFactory(first_name="José", last_name="Nuñez", date_of_birth="1990-11-30"),
    ]


def names(response):
    return [p.last_name for p in response.context["page"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "zoe muller",
        "ZOË MÜLLER",
        "mull",
        "Zo",
        "1980-03-14",
        "14/03/1980",
        "7946 0018",
        "02079460018",
    ],
)
def test_it_finds_a_patient_regardless_of_accents_case_and_format(
    client_for, front_desk, zoe, others, query
):
    r = client_for(front_desk).get(URL, {"q": query})
    assert r.status_code == 200
    assert names(r) == ["Müller"]


@pytest.mark.django_db
def test_it_finds_by_patient_number(client_for, practitioner, zoe, others):
    r = client_for(practitioner.user).get(URL, {"q": zoe.patient_number.lower()})
    assert names(r) == ["Müller"]


@pytest.mark.django_db
def test_it_finds_accented_names_from_plain_letters(client_for, front_desk, zoe, others):
    r = client_for(front_desk).get(URL, {"q": "nunez jose"})
    assert names(r) == ["Nuñez"]


@pytest.mark.django_db
def test_it_hides_archived_patients_unless_asked(client_for, front_desk, zoe, others):
    from django.utils import timezone

    zoe.archived_at = timezone.now()
    zoe.save(update_fields=["archived_at"])
    client = client_for(front_desk)
    assert "Müller" not in names(client.get(URL, {"q": "zoe"}))
    assert names(client.get(URL, {"q": "zoe", "archived": "on"})) == ["Müller"]


@pytest.mark.django_db
def test_it_paginates(client_for, front_desk):
    PatientFactory.create_batch(30)
    client = client_for(front_desk)
    first, second = client.get(URL), client.get(URL, {"page": 2})
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert 'href="?page=2"' in first.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["999", "abc", "-1", "\x00"])
def test_it_survives_odd_page_numbers(client_for, front_desk, page):
    PatientFactory.create_batch(3)
    assert client_for(front_desk).get(URL, {"page": page}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["%", "_", "' OR 1=1 --", "😀", "1980-02-30"])
def test_it_treats_hostile_queries_as_plain_text(client_for, front_desk, zoe, query):
    r = client_for(front_desk).get(URL, {"q": query})
    assert r.status_code == 200
    assert "Müller" not in names(r)


@pytest.mark.django_db
def test_it_ignores_control_characters_in_a_query(client_for, front_desk, zoe):
    assert names(client_for(front_desk).get(URL, {"q": "zo\x00e"})) == ["Müller"]


@pytest.mark.django_db
def test_it_explains_a_query_that_is_too_long(client_for, front_desk, zoe):
    r = client_for(front_desk).get(URL, {"q": "x" * 5000})
    assert r.status_code == 200
    assert "at most 100 characters" in r.content.decode()


@pytest.mark.django_db
def test_it_returns_only_the_results_fragment_to_htmx(client_for, front_desk, zoe):
    r = client_for(front_desk).get(URL, {"q": "zoe"}, headers={"HX-Request": "true"})
    body = r.content.decode()
    assert "Müller" in body
    assert "<html" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("patients", [3, 60])
def test_it_makes_the_same_number_of_queries_whatever_the_data_size(
    client_for, front_desk, django_assert_num_queries, patients
):
    PatientFactory.create_batch(patients)
    client = client_for(front_desk)
    # Expect 7 queries: session / user / count of matches / the page of patients
    # / savepoint, session save, release (the idle timeout is refreshed on every request).
    with django_assert_num_queries(7):
        r = client.get(URL, {"q": "a"})
    assert r.status_code == 200
