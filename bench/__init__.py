"""Reproducible benchmarks of media_pipeline (issue 6); run them all with ``python -m bench.run_all``.

Every benchmark module exposes ``main(results, options)``: it measures, then stores one
:class:`bench.common.Section` (title, markdown table, JSON-ready data) under its key in ``results``.
:mod:`bench.run_all` discovers the modules listed in ``bench.run_all.MODULES`` that exist, calls them in
order, and writes ``bench/results.json`` and the results block of ``bench/README.md``.
"""
