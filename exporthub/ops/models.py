from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the heartbeat schedule: proof the task queue is being worked."""

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class CallTally(models.Model):
    """HTTP calls to Pleo, summed by endpoint and outcome, written by the process that made them.

    Kept in the database rather than in each process's memory, so /metrics reports the calls of
    every worker and web process on every machine.
    """

    target = models.CharField(max_length=20)  # "pleo"
    operation = models.CharField(max_length=120)  # "GET /v3/export-jobs/{id}/items"
    outcome = models.CharField(max_length=10)  # "2xx", "4xx", "429", "5xx", "error"
    calls = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "operation", "outcome"], name="ops_calltally_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.operation} {self.outcome}: {self.calls}"
