"""One dynamic partition per task (partition key = task_id)."""

import dagster as dg

task_partitions = dg.DynamicPartitionsDefinition(name="tasks")
