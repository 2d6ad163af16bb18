"""Per-rule log files: what a step did, and the full message when it failed."""

from __future__ import annotations

import logging
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

from evaluation.core.findings import DataValidationError


@contextmanager
def log_to(path: str | Path):
    """Log the step's messages to ``path``; on failure write the error there too, then re-raise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # jobs may run in threads of one process: each log keeps its own thread's records
    this_thread = threading.get_ident()
    handler.addFilter(lambda record: record.thread == this_thread)
    logger = logging.getLogger("evaluation")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger
        logger.info("step completed")
    except DataValidationError as exc:
        logger.error(str(exc))
        raise
    except Exception:
        logger.error(traceback.format_exc())
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
