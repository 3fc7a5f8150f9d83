"""Delivery: targets (one per protocol), the retry policy, signing, and the per-target worker."""

from gateway.deliver.base import Delivered, DeliveryResult, PermanentFailure, RetryLater, Target
from gateway.deliver.retry import RetryPolicy
from gateway.deliver.webhook import WebhookTarget
from gateway.deliver.worker import DeliveryWorker

__all__ = ["Delivered", "DeliveryResult", "DeliveryWorker", "PermanentFailure", "RetryLater", "RetryPolicy", "Target",
           "WebhookTarget"]
