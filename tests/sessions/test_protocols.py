"""A practitioner's saved protocols: written one point per line, saved whole,
applied to a session in one click (services.apply_protocol)."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from sessions import services
from sessions.models import Needle, NeedlePlacement, Protocol
from sessions.protocol_forms import NeedleChoices, parse_points
from tests.factories.sessions import (
    ProtocolFactory,
    ProtocolPointFactory,
    TreatmentSessionFactory,
    needle,
    point,
)

LIST = "/records/protocols/"
LUMBAR_STRAIN = "BL23 bilateral\nBL25 bilateral\nBL40 bilateral\nGV4"


def edit_url(protocol):
    return f"/records/protocols/{protocol.uuid}/"


def form(name="Lumbar strain", points=LUMBAR_STRAIN, default_needle=None):
    return {
        "name": name,
        "points": points,
        "default_needle": (default_needle or needle()).pk,
    }


def errors_for(points):
    with pytest.raises(Exception) as caught:
        parse_points(points, NeedleChoices(needle()))
    return " ".join(caught.value.messages)


def summary(protocol):
    return [(p.acupoint.code, p.side) for p in protocol.points.select_related("acupoint")]


# --- Reading the lines ------------------------------------------------------------


@pytest.mark.django_db
def test_it_reads_codes_in_any_spelling_and_the_optional_needling():
    hwato = Needle.objects.get(gauge_mm=Decimal("0.30"), length_mm=50)
    points = parse_points(
        "bl 23 bilateral\nLV3 left 0.30 x 50 15 mm manual\n\nDU4\nEX-B 7, right, electro",
        NeedleChoices(needle()),
    )
    assert [(p.acupoint.code, p.side) for p in points] == [
        ("BL23", "bilateral"),
        ("LR3", "left"),
        ("GV4", "midline"),
        ("EX-B7", "right"),
    ]
    lr3 = points[1]
    assert (lr3.needle, lr3.depth_mm, lr3.stimulation) == (hwato, Decimal("15"), "manual")
    assert points[0].needle is None  # the protocol's default needle
    assert points[3].stimulation == "electro"


@pytest.mark.django_db
def test_an_unknown_code_is_named_with_its_line():
    message = errors_for("BL23 bilateral\nXX99 left\nBL999 right")
    assert "Line 2 (XX99 left): “XX99” is not a point code we know" in message
    assert "Line 3 (BL999 right)" in message


@pytest.mark.django_db
def test_a_paired_point_needs_a_side_and_a_midline_point_takes_none():
    assert "Line 1 (BL40): BL40 needs a side: left, right or bilateral." in errors_for("BL40")
    assert "Line 1 (GV4 left): GV4 lies on the midline: it takes no side." in errors_for("GV4 left")
    assert "BL23 is not on the midline" in errors_for("BL23 midline")


@pytest.mark.django_db
def test_ashi_points_are_refused_in_a_protocol():
    message = errors_for("BL23 bilateral\nAshi, 2 cm lateral to L4, left")
    assert "Line 2" in message and "Ashi points cannot be saved in a protocol" in message


@pytest.mark.django_db
def test_other_mistakes_are_named_too():
    message = errors_for("BL23 bilateral sideways\nBL25 left 0.99x10\nBL23 right\nBL40 left 500mm")
    assert "Line 1 (BL23 bilateral sideways): “sideways” is not understood." in message
    assert "Line 2 (BL25 left 0.99x10): no 0.99 × 10 mm needle in stock" in message
    assert "Line 3 (BL23 right): BL23 is already on line 1." in message
    assert "Line 4 (BL40 left 500mm): a depth is between 0 and 100 mm." in message
    assert "Write at least one point" in errors_for("\n  \n")


# --- The pages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_practitioner_creates_a_protocol_from_the_list_page(client_for, practitioner):
    client = client_for(practitioner.user)
    assert client.get(LIST).status_code == 200
    response = client.post(LIST, form(), follow=True)

    protocol = Protocol.objects.get(practitioner=practitioner)
    assert protocol.name == "Lumbar strain"
    assert summary(protocol) == [
        ("BL23", "bilateral"),
        ("BL25", "bilateral"),
        ("BL40", "bilateral"),
        ("GV4", "midline"),
    ]
    assert {p.needle for p in protocol.points.all()} == {needle()}
    html = response.content.decode()
    assert "Saved “Lumbar strain”: 4 point(s), 7 needle(s)." in html
    assert "BL23 bilateral, BL25 bilateral, BL40 bilateral, GV4" in html
    event = AuditEvent.objects.get(action="sessions.protocol.created")
    assert event.data["needles"] == 7 and event.object_id == str(protocol.uuid)


@pytest.mark.django_db
def test_validation_messages_show_on_the_page_and_nothing_is_saved(client_for, practitioner):
    response = client_for(practitioner.user).post(
        LIST, form(points="BL23 bilateral\nQQ7 left\nGV4 bilateral\nAshi")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Line 2 (QQ7 left): “QQ7” is not a point code we know" in html
    assert "GV4 lies on the midline: it takes no side" in html
    assert "Ashi points cannot be saved in a protocol" in html
    assert not Protocol.objects.exists()


@pytest.mark.django_db
def test_a_name_is_used_once_per_practitioner(client_for, practitioner, other_practitioner):
    ProtocolFactory(practitioner=practitioner, name="Lumbar strain")
    ProtocolFactory(practitioner=other_practitioner, name="Sciatica")
    client = client_for(practitioner.user)
    response = client.post(LIST, form(name="lumbar  STRAIN"))
    assert "You already have a protocol called" in response.content.decode()
    assert client.post(LIST, form(name="Sciatica")).status_code == 302


@pytest.mark.django_db
def test_editing_renames_and_replaces_the_points(client_for, practitioner):
    protocol = ProtocolFactory(practitioner=practitioner, name="Lumbar")
    ProtocolPointFactory(protocol=protocol, acupoint=point("BL23"), side="bilateral")
    ProtocolPointFactory(protocol=protocol, acupoint=point("GV4"), side="midline", depth_mm=15)
    client = client_for(practitioner.user)

    page = client.get(edit_url(protocol)).content.decode()
    assert "BL23 bilateral\nGV4 15mm" in page  # the points as lines, ready to edit

    thick = Needle.objects.get(gauge_mm=Decimal("0.30"), length_mm=60)
    response = client.post(
        edit_url(protocol),
        form(name="Lumbar strain", points="BL40 left 0.30x60 40mm manual\nGV3"),
    )
    assert response.status_code == 302 and response["Location"] == LIST
    protocol.refresh_from_db()
    assert protocol.name == "Lumbar strain"
    assert summary(protocol) == [("BL40", "left"), ("GV3", "midline")]
    bl40 = protocol.points.first()
    assert (bl40.needle, bl40.depth_mm, bl40.stimulation, bl40.position) == (
        thick,
        Decimal("40.0"),
        "manual",
        1,
    )
    assert AuditEvent.objects.filter(action="sessions.protocol.changed").count() == 1


@pytest.mark.django_db
def test_a_failed_edit_keeps_the_old_points(client_for, practitioner):
    protocol = ProtocolFactory(practitioner=practitioner)
    ProtocolPointFactory(protocol=protocol)
    response = client_for(practitioner.user).post(
        edit_url(protocol), form(points="BL40 left\nNOPE1 left")
    )
    assert response.status_code == 200
    assert summary(protocol) == [("BL23", "bilateral")]


@pytest.mark.django_db
def test_another_practitioners_protocol_is_not_found(client_for, practitioner, other_practitioner):
    theirs = ProtocolFactory(practitioner=other_practitioner, name="Olly's sciatica")
    ProtocolPointFactory(protocol=theirs)
    client = client_for(practitioner.user)
    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), form(name="Mine now")).status_code == 404
    assert client.post(f"{edit_url(theirs)}delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Olly's sciatica" and theirs.points.count() == 1
    # And the list shows only one's own.
    assert "sciatica" not in client.get(LIST).content.decode()


@pytest.mark.django_db
def test_the_front_desk_is_refused(client_for, front_desk, practitioner):
    protocol = ProtocolFactory(practitioner=practitioner)
    client = client_for(front_desk)
    assert client.get(LIST).status_code == 403
    assert client.post(LIST, form()).status_code == 403
    assert client.get(edit_url(protocol)).status_code == 403
    assert client.post(f"{edit_url(protocol)}delete/").status_code == 403
    assert Protocol.objects.filter(pk=protocol.pk).exists()


@pytest.mark.django_db
def test_a_practitioner_deletes_their_protocol(client_for, practitioner):
    protocol = ProtocolFactory(practitioner=practitioner)
    ProtocolPointFactory(protocol=protocol)
    client = client_for(practitioner.user)
    assert client.get(f"{edit_url(protocol)}delete/").status_code == 405
    response = client.post(f"{edit_url(protocol)}delete/", follow=True)
    assert response.redirect_chain == [(LIST, 302)]
    assert "Deleted the protocol “Lumbar strain”" in response.content.decode()
    assert not Protocol.objects.exists()
    event = AuditEvent.objects.get(action="sessions.protocol.deleted")
    assert event.data == {"name": "Lumbar strain"} and event.actor == practitioner.user


@pytest.mark.django_db
def test_the_protocol_of_the_issue_applied_to_a_draft_adds_seven_needles(client_for, practitioner):
    client_for(practitioner.user).post(
        LIST,
        form(
            name="Lumbar strain: BL23, BL25, BL40 bilateral, GV4",
            # BL40 lies over the popliteal vessels: the protocol says oblique and shallow.
            points=LUMBAR_STRAIN.replace("BL40 bilateral", "BL40 bilateral oblique 12mm"),
        ),
    )
    protocol = Protocol.objects.get(name="Lumbar strain: BL23, BL25, BL40 bilateral, GV4")
    session = TreatmentSessionFactory(practitioner=practitioner)

    added = services.apply_protocol(session=session, protocol=protocol, by=practitioner.user)

    assert added == 4
    assert services.needles_inserted(session) == 7  # 2 + 2 + 2 + 1
    placed = [(p.acupoint.code, p.side) for p in session.placements.select_related("acupoint")]
    assert placed == [
        ("BL23", NeedlePlacement.Side.BILATERAL),
        ("BL25", NeedlePlacement.Side.BILATERAL),
        ("BL40", NeedlePlacement.Side.BILATERAL),
        ("GV4", NeedlePlacement.Side.MIDLINE),
    ]
