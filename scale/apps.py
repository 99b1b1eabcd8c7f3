from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """``manage.py generate_scale_data``: a realistic clinic group's worth of
    data, loaded with PostgreSQL's fast paths, for benchmarking (bench/)."""

    name = "scale"
    verbose_name = "Scale data for benchmarks"
