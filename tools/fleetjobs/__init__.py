"""Fleet jobs: the set-based operator queries as batch jobs writing Parquet, on DuckDB or Spark."""

from tools.fleetjobs.jobs import JOBS, Job, JobInput, Query
from tools.fleetjobs.runner import JobResult, TableResult, publish, run, run_job

__all__ = ["JOBS", "Job", "JobInput", "JobResult", "Query", "TableResult", "publish", "run", "run_job"]
