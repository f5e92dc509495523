"""Bulk Data Access (HL7 FHIR Bulk Data IG 2.0.0): one row per export asked for, one per file made.

An export belongs to whoever asked for it — a person (by API token) or a registered system client —
and only that requester may poll it, download its files or cancel it. The rows hold no health data:
what was asked (level, group, types, ``_since``) and how it went. The NDJSON files lie under
``settings.BULK_EXPORT_DIR`` until they expire (``settings.BULK_EXPORT_EXPIRES_HOURS``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class BulkExportQuerySet(models.QuerySet):
    def of(self, requester):
        """The exports ``requester`` (a user or a system client) asked for."""
        if getattr(requester, "is_system_client", False):
            return self.filter(client=requester)
        return self.filter(user=requester)

    def unfinished(self):
        return self.filter(status__in=[BulkExport.Status.QUEUED, BulkExport.Status.RUNNING])


class BulkExport(models.Model):
    class Level(models.TextChoices):
        PATIENT = "patient"
        GROUP = "group"
        SYSTEM = "system"

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"
        CANCELLED = "cancelled"  # by the requester (DELETE on the status URL): files deleted
        EXPIRED = "expired"  # files deleted after BULK_EXPORT_EXPIRES_HOURS

    # The status URL names the export by this id: not guessable, and refused to anyone else anyway.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    client = models.ForeignKey("accounts.SystemClient", null=True, blank=True, on_delete=models.CASCADE)
    level = models.CharField(max_length=10, choices=Level)
    group_id = models.CharField(max_length=40, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.TextField()
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    progress = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The IG's transactionTime: when the export began to read; nothing written later is in it.
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    citizens = models.PositiveIntegerField(default=0)

    objects = BulkExportQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, client__isnull=True) | Q(user__isnull=True, client__isnull=False),
                name="bulk_export_one_requester",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="bulk_export_expiry")]

    def __str__(self):
        return f"{self.get_level_display()} export {self.pk} ({self.status})"

    @property
    def requester(self):
        return self.client if self.client_id else self.user


class BulkFile(models.Model):
    """One NDJSON file of an export: resources of one type (``error``: OperationOutcomes)."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    error = models.BooleanField(default=False)
    part = models.PositiveIntegerField(default=1)
    count = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["error", "resource_type", "part"]
        constraints = [
            models.UniqueConstraint(fields=["export", "resource_type", "error", "part"], name="bulk_file_part")
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        kind = "OperationOutcome" if self.error else self.resource_type
        return f"{kind}-{self.part}.ndjson"
