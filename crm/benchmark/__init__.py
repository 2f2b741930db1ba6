"""`manage.py benchmark`: Docket's routes against reference views through a real
gunicorn. `reference` and `urls` are served only by the benchmark's own server
(settings pick `urls` when DOCKET_BENCHMARK is set); `load` drives it."""
