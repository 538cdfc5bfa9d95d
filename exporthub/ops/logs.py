"""JSON log lines (EXPORTHUB_LOG_FORMAT=json), one object per line, with the engine's context."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from exporthub.core.logcontext import current_log_context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **current_log_context(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
