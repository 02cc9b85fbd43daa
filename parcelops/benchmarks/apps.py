from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "parcelops.benchmarks"
    label = "benchmarks"
    verbose_name = "Benchmarks"
