"""Regular expressions shared by the schemas (schemagen) and the validator.

Written in the common subset of ECMA-262 and Python ``re`` so that every JSON
Schema consumer (ERP teams use JS and Java validators too) reads them alike.
"""

INSTANT_RE = (
    r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d"
    r"(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)
DATE_RE = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
TIME_RE = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?$"
OFFSET_RE = r"^(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
# IANA names: Area/Location[/Sub], plus the bare "UTC" / "Etc/..." forms.
TZ_RE = r"^(UTC|[A-Za-z]+(/[A-Za-z0-9_+\-]+){1,2})$"
DECIMAL_RE = r"^-?\d+(\.\d+)?$"
MAPPING_REF_RE = r"^[A-Za-z0-9][A-Za-z0-9._\-]*@[0-9A-Za-z][0-9A-Za-z.\-]*$"
