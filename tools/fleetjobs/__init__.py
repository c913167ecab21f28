"""Fleet jobs: the set-based operator queries as batch jobs writing Parquet, on DuckDB or Spark."""

from tools.fleetjobs.jobs import JOBS, Job, JobInput, Query
from tools.fleetjobs.runner import JobResult, TableResult, duck_engine, run_job, spark_engine

__all__ = ["JOBS", "Job", "JobInput", "JobResult", "Query", "TableResult", "duck_engine", "run_job", "spark_engine"]
