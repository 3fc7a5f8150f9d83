"""Configuration as data: one YAML file of partners, channels, targets and routes."""

from gateway.config.errors import ConfigError, SecretUnavailable
from gateway.config.loader import load_config, parse_config
from gateway.config.model import Channel, Config, Partner, RateLimit, Route, SecretRef, Target
from gateway.config.secrets import read_secret

__all__ = ["Channel", "Config", "ConfigError", "Partner", "RateLimit", "Route", "SecretRef", "SecretUnavailable",
           "Target", "load_config", "parse_config", "read_secret"]
