"""Scale out on Spark: the ingest and hourly roll-up of invocation logs as a PySpark job.

``python -m reconciler.spark --output DIR SRC...`` (also the ``spark-submit`` entry point) reads
invocation logs, applies the product's own record rules inside Spark tasks, deduplicates across
the whole input, attributes and rolls up to the hourly usage facts, and writes Parquet that
``reconciler ingest facts DIR`` loads into the DuckDB file; everything after that (rating,
reconciliation, allocation, reports) runs locally as usual. docs/scale-out.md says how to run it
on spark-submit, AWS Glue and Amazon EMR. Needs the ``spark`` extra (``pyspark``) and Java 17.

Modules: :mod:`reconciler.spark.job` (the Spark plan), :mod:`reconciler.spark.tasks` (what runs
in tasks: plain Arrow functions), :mod:`reconciler.spark.resolve` (model ids, on the driver),
:mod:`reconciler.spark.session` (local mode or the cluster's session), ``__main__`` (arguments,
summary, exit codes).
"""
