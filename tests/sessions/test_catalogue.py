import csv
from io import StringIO

import pytest
from django.core.management import call_command

from sessions.catalogue import point_key
from sessions.models import Acupoint

CHANNEL_COUNTS = {
    "LU": 11, "LI": 20, "ST": 45, "SP": 21, "HT": 9, "SI": 19, "BL": 67,
    "KI": 27, "PC": 9, "TE": 23, "GB": 44, "LR": 14, "GV": 28, "CV": 24,
}  # fmt: skip


@pytest.mark.django_db
def test_it_ships_all_361_who_points_in_14_channels_plus_extras_and_ashi():
    channel = Acupoint.objects.filter(kind="channel")
    assert channel.count() == 361
    counts = {c: channel.filter(channel=c).count() for c in CHANNEL_COUNTS}
    assert counts == CHANNEL_COUNTS
    assert Acupoint.objects.filter(kind="extra").count() == 48
    assert Acupoint.objects.get(kind="ashi").code == "ASHI"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed, code",
    [
        ("BL23", "BL23"), ("bl 23", "BL23"), ("BL-23", "BL23"), ("bl23", "BL23"),
        ("LV3", "LR3"), ("SJ5", "TE5"), ("tb5", "TE5"), ("DU4", "GV4"), ("REN6", "CV6"),
        ("ex-b2", "EX-B2"), ("EX B 2", "EX-B2"), ("Weizhong", "BL40"), ("hegu", "LI4"),
        ("huantiao", "GB30"),
    ],
)  # fmt: skip
def test_it_finds_points_by_any_spelling_alias_or_name(typed, code):
    assert Acupoint.objects.search(typed).first().code == code


@pytest.mark.django_db
def test_who_numbering_of_the_bladder_channel():
    assert Acupoint.objects.get(code="BL40").pinyin == "Weizhong"
    assert Acupoint.objects.get(code="BL36").pinyin == "Chengfu"
    assert Acupoint.objects.get(code="BL54").pinyin == "Zhibian"


@pytest.mark.django_db
def test_governor_and_conception_points_are_the_midline_channel_points():
    channel = Acupoint.objects.filter(kind="channel", is_midline=True)
    assert set(channel.values_list("channel", flat=True)) == {"GV", "CV"}


@pytest.mark.django_db
def test_extra_points_take_the_sides_of_extra_point_sides_csv():
    """EX-B8 and EX-HN3 lie on the midline, EX-HN1 is a group, EX-HN12 is left
    only; EX-UE7 has two points per hand and Jiaji its 17 levels."""
    points = {p.code: p for p in Acupoint.objects.filter(kind="extra")}
    assert points["EX-B8"].sides == points["EX-HN3"].sides == ["midline"]
    assert points["EX-HN1"].side_rule == "group" and points["EX-HN1"].points_per_side == 4
    assert points["EX-HN12"].sides == ["left"] and points["EX-HN13"].sides == ["right"]
    assert points["EX-UE7"].points_per_side == 2 and points["EX-UE7"].sides == [
        "left",
        "right",
        "bilateral",
    ]
    assert points["EX-B2"].named_points[0] == "T1" and points["EX-B2"].named_points[-1] == "L5"
    assert len(points["EX-B2"].named_points) == points["EX-B2"].points_per_side == 17


@pytest.mark.django_db
def test_depth_cautions_are_loaded():
    gb21 = Acupoint.objects.get(code="GB21")
    assert gb21.depth_rule == "depth" and gb21.structure_at_risk == "lung and pleura"
    assert set(
        Acupoint.objects.filter(depth_rule="do_not_needle").values_list("code", flat=True)
    ) == {"ST17", "CV8"}
    assert Acupoint.objects.filter(depth_rule="depth").count() == 65


def test_point_key_leaves_unknown_prefixes_alone():
    assert point_key("LVX") == "LVX"
    assert point_key("ren 6") == "CV6"


@pytest.mark.django_db
def test_export_acupoints_writes_the_catalogue_as_csv():
    out = StringIO()
    call_command("export_acupoints", stdout=out)
    rows = list(csv.reader(StringIO(out.getvalue())))
    assert rows[0] == ["code", "channel", "number", "pinyin"]
    assert rows[1] == ["LU1", "LU", "1", "Zhongfu"]
    assert len(rows) == 1 + 361 + 48 + 1
    assert rows[362][0] == "EX-HN1" and rows[362][2] == ""
    assert rows[-1][0] == "ASHI"
