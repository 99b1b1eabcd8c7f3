import csv

from django.core.management.base import BaseCommand

from sessions.models import Acupoint


class Command(BaseCommand):
    """Write the acupoint catalogue as CSV to standard output: header
    code,channel,number,pinyin; the 361 WHO points in channel order, then the
    extra points, then Ashi."""

    help = __doc__

    def handle(self, *args, **options):
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["code", "channel", "number", "pinyin"])
        for code, channel, number, pinyin in Acupoint.objects.order_by("sort_order").values_list(
            "code", "channel", "number", "pinyin"
        ):
            writer.writerow([code, channel, "" if number is None else number, pinyin])
