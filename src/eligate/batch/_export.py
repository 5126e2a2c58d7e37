"""The run's outcomes as JSON Lines (``outcomes.jsonl``), CSV or Parquet, one line per item.

The columns are :data:`~eligate.batch.EXPORT_COLUMNS`: the input columns, then
``item_id``, ``batch_id``, ``state``, ``status``, ``reason``, ``origin``,
``attempts``, ``checked_at``, ``results`` and ``x12_271``. The triage issue reads
this file: keep the names. In CSV and Parquet ``results`` is a JSON string.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import IO, Any

from eligate.batch._models import EXPORT_COLUMNS
from eligate.batch._store import BatchStore
from eligate.batch.errors import BatchUsageError

EXPORT_FORMATS = ("jsonl", "csv", "parquet")


def _ordered(line: dict[str, Any]) -> dict[str, Any]:
    return {column: line.get(column) for column in EXPORT_COLUMNS}


def _flat(line: dict[str, Any]) -> dict[str, Any]:
    flat = _ordered(line)
    if flat["results"] is not None:
        flat["results"] = json.dumps(flat["results"], separators=(",", ":"))
    return flat


async def export(store: BatchStore, batch_id: str, *, fmt: str, out: IO[bytes]) -> int:
    """Write the run's outcomes to ``out`` in ``fmt``; the number of lines.

    Raises:
        UnknownBatchError: no such run.
        BatchUsageError: an unknown format.
    """
    if fmt not in EXPORT_FORMATS:
        raise BatchUsageError(f"export formats are {', '.join(EXPORT_FORMATS)}")
    await store.run(batch_id)
    lines = store.outcomes(batch_id)
    if fmt == "jsonl":
        return await _jsonl(lines, out)
    if fmt == "csv":
        return await _csv(lines, out)
    return await _parquet(lines, out)


async def _jsonl(lines: AsyncIterator[dict[str, Any]], out: IO[bytes]) -> int:
    count = 0
    async for line in lines:
        out.write(json.dumps(_ordered(line), separators=(",", ":")).encode() + b"\n")
        count += 1
    return count


async def _csv(lines: AsyncIterator[dict[str, Any]], out: IO[bytes]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.DictWriter(text, fieldnames=list(EXPORT_COLUMNS))
    writer.writeheader()
    count = 0
    async for line in lines:
        writer.writerow(_flat(line))
        count += 1
    text.flush()
    text.detach()
    return count


async def _parquet(lines: AsyncIterator[dict[str, Any]], out: IO[bytes]) -> int:
    import pyarrow as pa  # noqa: PLC0415 - only Parquet needs pyarrow
    import pyarrow.parquet as pq  # noqa: PLC0415

    fields = [
        pa.field(column, pa.int64() if column == "attempts" else pa.string())
        for column in EXPORT_COLUMNS
    ]
    schema = pa.schema(fields)
    sink = io.BytesIO()
    count = 0
    with pq.ParquetWriter(sink, schema) as writer:
        batch: list[dict[str, Any]] = []
        async for line in lines:
            batch.append(_flat(line))
            count += 1
            if len(batch) >= 5000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    out.write(sink.getvalue())
    return count
