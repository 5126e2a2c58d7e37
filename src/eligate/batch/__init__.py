"""The night run: tomorrow's appointments verified before the doors open.

:func:`submit` reads an appointment list (CSV, Parquet, JSON Lines; bad rows
refused one by one), stores a run and its items in the audit database and
queues them on taskiq (a Redis stream in production, in memory by default).
Workers (:class:`BatchRuntime`) take each item through its states: cache
first, paced per payer across every worker, one 270 per idempotency key,
retries only for transient failures, every item final by the run's deadline.
:func:`report` gives counts and KPIs per payer; :func:`export` writes
``outcomes.jsonl`` (or CSV, Parquet) for the morning's triage.
"""

from eligate.batch._export import (
    EXPORT_FORMATS,
    export,
)
from eligate.batch._input import (
    FORMATS,
    file_format,
    read_appointments,
)
from eligate.batch._models import (
    EXPORT_COLUMNS,
    FINAL_STATES,
    INPUT_COLUMNS,
    ITEM_STATES,
    Appointment,
    BatchPolicy,
    BatchReport,
    ItemPublic,
    ItemState,
    ParsedRow,
    PayerFigures,
    Refusal,
)
from eligate.batch._pacing import (
    LocalPacer,
    Pacer,
    PacingUnavailableError,
    SharedPacer,
)
from eligate.batch._process import (
    HELD,
    TRANSIENT,
    Processor,
    idempotency_key,
    inquiry_of,
)
from eligate.batch._queue import (
    ITEMS_TASK,
    TICK_TASK,
    Enqueue,
    Kicker,
    QueueConfig,
    make_broker,
)
from eligate.batch._run import (
    Submitted,
    Watchdog,
    all_final,
    batch_id_of,
    follow,
    report,
    submit,
)
from eligate.batch._runtime import (
    BatchRuntime,
    build_runtime,
    worker_name,
)
from eligate.batch._scheduler import (
    Scheduler,
    newest_file,
    next_run,
)
from eligate.batch._store import (
    BatchStore,
    Finish,
    ItemRow,
)
from eligate.batch.errors import (
    AppointmentFileError,
    BatchError,
    BatchUsageError,
    UnknownBatchError,
)

__all__ = [
    "EXPORT_COLUMNS",
    "EXPORT_FORMATS",
    "FINAL_STATES",
    "FORMATS",
    "HELD",
    "INPUT_COLUMNS",
    "ITEMS_TASK",
    "ITEM_STATES",
    "TICK_TASK",
    "TRANSIENT",
    "Appointment",
    "AppointmentFileError",
    "BatchError",
    "BatchPolicy",
    "BatchReport",
    "BatchRuntime",
    "BatchStore",
    "BatchUsageError",
    "Enqueue",
    "Finish",
    "ItemPublic",
    "ItemRow",
    "ItemState",
    "Kicker",
    "LocalPacer",
    "Pacer",
    "PacingUnavailableError",
    "ParsedRow",
    "PayerFigures",
    "Processor",
    "QueueConfig",
    "Refusal",
    "Scheduler",
    "SharedPacer",
    "Submitted",
    "UnknownBatchError",
    "Watchdog",
    "all_final",
    "batch_id_of",
    "build_runtime",
    "export",
    "file_format",
    "follow",
    "idempotency_key",
    "inquiry_of",
    "make_broker",
    "newest_file",
    "next_run",
    "read_appointments",
    "report",
    "submit",
    "worker_name",
]
