"""Regular expressions shared by the schemas (schemagen) and the validator.

Written in the common subset of ECMA-262 and Python ``re`` so that every JSON
Schema consumer (ERP teams use JS and Java validators too) reads them alike.
"""

INSTANT_RE = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
DATE_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$"
OFFSET_RE = r"^(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
# IANA names: Area/Location[/Sub], plus the bare "UTC" / "Etc/..." forms.
TZ_RE = r"^(UTC|[A-Za-z]+(/[A-Za-z0-9_+\-]+){1,2})$"
DECIMAL_RE = r"^-?[0-9]+(\.[0-9]+)?$"
MAPPING_REF_RE = r"^[A-Za-z0-9][A-Za-z0-9._\-]*@[0-9A-Za-z][0-9A-Za-z.\-]*$"

# "[0-9]" rather than "\d": in Python (jsonschema, fastjsonschema) "\d" also matches
# non-ASCII digits such as "٣", which ECMA-262 validators and downstream systems reject.
