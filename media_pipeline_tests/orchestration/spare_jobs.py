"""Jobs that spare-worker tests hand to a spare: one that finishes, one that runs until it is stopped."""

import time

import dagster as dg


@dg.op
def finish() -> None:
    """Nothing: the run succeeds."""


@dg.op
def run_until_stopped() -> None:
    """Sleep until the run is interrupted (a stop), at most an hour."""
    time.sleep(3600)


@dg.job
def quick_job() -> None:
    finish()


@dg.job
def endless_job() -> None:
    run_until_stopped()
