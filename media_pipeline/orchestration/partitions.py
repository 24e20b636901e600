"""One dynamic partition per task (partition key = task_id)."""

import dagster as dg

TASK_PARTITIONS = "tasks"
"""Name of the dynamic partitions definition (one key per task id)."""

task_partitions = dg.DynamicPartitionsDefinition(name=TASK_PARTITIONS)
