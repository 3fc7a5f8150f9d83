"""The mapping language: YAML templates compiled to Python closures that emit canonical events."""

from gateway.mapping.compiled import CompiledMapping, MappingContext
from gateway.mapping.errors import (
                                    AmbiguousMapping,
                                    MappingError,
                                    MappingLimitExceeded,
                                    MappingLoadError,
                                    NoMappingMatched,
                                    UnknownMapping,
)
from gateway.mapping.loader import MappingEnvironment, compile_mapping, read_mapping_file
from gateway.mapping.registry import MappingRegistry, ReloadReport

__all__ = ["AmbiguousMapping", "CompiledMapping", "MappingContext", "MappingEnvironment", "MappingError",
           "MappingLimitExceeded", "MappingLoadError", "MappingRegistry", "NoMappingMatched", "ReloadReport",
           "UnknownMapping", "compile_mapping", "read_mapping_file"]
