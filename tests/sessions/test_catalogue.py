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
def test_governor_and_conception_points_are_midline():
    assert set(Acupoint.objects.filter(is_midline=True).values_list("channel", flat=True)) == {
        "GV",
        "CV",
    }


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
