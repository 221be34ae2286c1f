"""Hall configuration: typed model (``model``) and validating loader (``load``)."""

from hall.conf.load import ConfigError, ConfigIssue, HallConfig, load_config

__all__ = ["ConfigError", "ConfigIssue", "HallConfig", "load_config"]
